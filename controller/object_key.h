// File: controller/object_key.h
//
// ObjectKey: a namespaced object's name, as the work queues, caches and maps of the controllers
// key it ("namespace/name"). One home for building and splitting that string.
//
// Thread-safety: a value type.
#ifndef X3UI_CONTROLLER_OBJECT_KEY_H_
#define X3UI_CONTROLLER_OBJECT_KEY_H_

#include <string>
#include <string_view>

#include "pkg/kube/client.h"

namespace x3ui::controller {

struct ObjectKey {
  std::string namespace_;
  std::string name;

  // "namespace/name".
  std::string str() const { return namespace_ + "/" + name; }
  // The key of an object's metadata.
  static ObjectKey Of(const kube::Json& obj);
  // Splits "namespace/name" at its first '/'; a key without one is a name in no namespace.
  static ObjectKey Parse(std::string_view key);
  bool operator==(const ObjectKey&) const = default;
};

// "namespace/name" of an object's metadata.
inline std::string KeyOf(const kube::Json& obj) { return ObjectKey::Of(obj).str(); }

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_OBJECT_KEY_H_
