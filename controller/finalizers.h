// File: controller/finalizers.h
//
// Adding and removing one finalizer on an object, as the node and assignment reconcilers both
// do (x3ui.io/node-users, x3ui.io/panel-clients).
//
// Thread-safety: stateless; the client's own guarantees apply.
#ifndef X3UI_CONTROLLER_FINALIZERS_H_
#define X3UI_CONTROLLER_FINALIZERS_H_

#include <string>
#include <vector>

#include "pkg/kube/client.h"

namespace x3ui::controller {

bool HasFinalizer(const std::vector<std::string>& finalizers, const std::string& finalizer);
// Writes `obj` (of `resource`) with `finalizer` appended; returns the object as stored.
Result<kube::Json> AddFinalizer(kube::KubeClient& kube, const kube::Resource& resource, const kube::Json& obj,
                                const std::string& finalizer);
// Writes `obj` without `finalizer`. An object already gone is not an error.
Status RemoveFinalizer(kube::KubeClient& kube, const kube::Resource& resource, const kube::Json& obj,
                       const std::string& finalizer);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_FINALIZERS_H_
