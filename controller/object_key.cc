#include "controller/object_key.h"

namespace x3ui::controller {

ObjectKey ObjectKey::Of(const kube::Json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return {};
  return {meta->value("namespace", ""), meta->value("name", "")};
}

ObjectKey ObjectKey::Parse(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace x3ui::controller
