#include "controller/finalizers.h"

#include <algorithm>

namespace x3ui::controller {

bool HasFinalizer(const std::vector<std::string>& finalizers, const std::string& finalizer) {
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

Result<kube::Json> AddFinalizer(kube::KubeClient& kube, const kube::Resource& resource, const kube::Json& obj,
                                const std::string& finalizer) {
  kube::Json with = obj;
  with["metadata"]["finalizers"].push_back(finalizer);
  return kube.Update(resource, obj["metadata"].value("namespace", ""), with);
}

Status RemoveFinalizer(kube::KubeClient& kube, const kube::Resource& resource, const kube::Json& obj,
                       const std::string& finalizer) {
  kube::Json without = obj;
  auto& list = without["metadata"]["finalizers"];
  list.erase(std::remove(list.begin(), list.end(), kube::Json(finalizer)), list.end());
  Result<kube::Json> w = kube.Update(resource, obj["metadata"].value("namespace", ""), without);
  return !w.ok() && w.status().code() != Status::Code::kNotFound ? w.status() : Status::Ok();
}

}  // namespace x3ui::controller
