// File: pkg/kube/object_key.h
//
// ObjectKey: which object a cache entry, a work-queue key or a map entry is about — its
// namespace and name. String() is the one spelling of a key ("namespace/name", or "name" for a
// cluster-scoped object), which informers, work queues and the controllers' maps share.
//
// Thread-safety: a value type.
#ifndef X3UI_PKG_KUBE_OBJECT_KEY_H_
#define X3UI_PKG_KUBE_OBJECT_KEY_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace x3ui::kube {

struct ObjectKey {
  std::string ns;
  std::string name;

  std::string String() const { return ns.empty() ? name : ns + "/" + name; }
  // The inverse of String(): a key without a '/' is cluster-scoped.
  static ObjectKey Parse(std::string_view key);
  // From an object's metadata (empty fields when it has none).
  static ObjectKey Of(const nlohmann::json& obj);

  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
};

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_OBJECT_KEY_H_
