#include "controller/cached_read.h"

#include "pkg/kube/object_key.h"

namespace x3ui::controller {

Result<kube::Json> ReadThrough(const CacheLookup& cache, kube::KubeClient& kube, const kube::Resource& resource,
                               const std::string& ns, const std::string& name) {
  if (!cache) return kube.Get(resource, ns, name);
  if (std::optional<kube::Json> cached = cache(kube::ObjectKey{ns, name}.String())) return *std::move(cached);
  return Status::NotFound(resource.kind + " " + ns + "/" + name + " not found");
}

}  // namespace x3ui::controller
