// File: controller/assignment/watches.h
//
// The assignment controller's watches: its informer's indexes (namespace; unplaced, by
// namespace; phase; node, by node key — which the node and migration watches read), and its
// handlers: every object delivered is observed (placement counts, the drift diff's cache)
// before any reconcile; a new or deleted assignment, or a spec, label or deletion change, wakes
// its reconcile; a user leaving a node wakes that node (its count changed, and a deleted node
// may now go).
//
// Ownership: borrows everything in AssignmentWatchDeps, which must outlive the controllers.
// Thread-safety: WatchVpnAssignments before the informers start; the installed callbacks are
// thread-safe.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_WATCHES_H_
#define X3UI_CONTROLLER_ASSIGNMENT_WATCHES_H_

#include <string>

#include "controller/assignment/reconciler.h"
#include "controller/node/placed_users.h"
#include "pkg/kube/client.h"
#include "pkg/runtime/controller.h"

namespace x3ui::controller {

struct AssignmentWatchDeps {
  kube::KubeClient* kube;
  std::string ns;                      // "" for all namespaces
  runtime::Controller* assignments;    // the assignment controller itself
  runtime::Controller* nodes;          // woken when a user leaves a node
  AssignmentReconciler* reconciler;
  PlacedUsersCache* placed;
};

void WatchVpnAssignments(const AssignmentWatchDeps& deps);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_WATCHES_H_
