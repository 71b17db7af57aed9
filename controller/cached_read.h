// File: controller/cached_read.h
//
// ReadThrough: an object from an informer's copy when there is one, else from the API server.
// Absent from a present cache means deleted, as with controller-runtime's cached client.
//
// Thread-safety: as safe as the cache function and the KubeClient given.
#ifndef X3UI_CONTROLLER_CACHED_READ_H_
#define X3UI_CONTROLLER_CACHED_READ_H_

#include <functional>
#include <optional>
#include <string>

#include "pkg/common/status.h"
#include "pkg/kube/client.h"
#include "pkg/kube/resource.h"

namespace x3ui::controller {

// An informer's copy of an object by "ns/name"; nullopt when it holds none.
using CacheLookup = std::function<std::optional<kube::Json>(const std::string& key)>;

// Without a cache (an empty function), asks the API server.
Result<kube::Json> ReadThrough(const CacheLookup& cache, kube::KubeClient& kube, const kube::Resource& resource,
                               const std::string& ns, const std::string& name);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_CACHED_READ_H_
