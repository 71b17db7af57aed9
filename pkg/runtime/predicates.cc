#include "pkg/runtime/predicates.h"

namespace x3ui::runtime {

bool SpecOrLifecycleChanged(const kube::Json& old_obj, const kube::Json& new_obj) {
  const auto& o = old_obj["metadata"];
  const auto& n = new_obj["metadata"];
  return o.value("generation", int64_t{0}) != n.value("generation", int64_t{0}) ||
         o.contains("deletionTimestamp") != n.contains("deletionTimestamp") ||
         o.value("labels", kube::Json::object()) != n.value("labels", kube::Json::object());
}

}  // namespace x3ui::runtime
