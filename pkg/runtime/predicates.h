// File: pkg/runtime/predicates.h
//
// Which informer updates are worth a reconcile.
//
// Thread-safety: pure.
#ifndef X3UI_PKG_RUNTIME_PREDICATES_H_
#define X3UI_PKG_RUNTIME_PREDICATES_H_

#include "pkg/kube/client.h"

namespace x3ui::runtime {

// The spec changed (generation), or deletion began, or the labels changed. Status-only updates,
// the operator's own writes mostly, are not: controller-runtime's GenerationChangedPredicate,
// plus deletion and labels.
bool SpecOrLifecycleChanged(const kube::Json& old_obj, const kube::Json& new_obj);

}  // namespace x3ui::runtime

#endif  // X3UI_PKG_RUNTIME_PREDICATES_H_
