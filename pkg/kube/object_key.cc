#include "pkg/kube/object_key.h"

namespace x3ui::kube {

ObjectKey ObjectKey::Parse(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

ObjectKey ObjectKey::Of(const nlohmann::json& obj) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return {};
  const auto& m = obj["metadata"];
  auto field = [&](const char* k) { return m.contains(k) && m[k].is_string() ? m[k].get<std::string>() : std::string(); };
  return {field("namespace"), field("name")};
}

}  // namespace x3ui::kube
