// File: controller/node/watches.h
//
// The node controller's watches: what wakes a VpnNode's reconcile (a new node, a spec, label or
// deletion change — not its own status writes — and a user leaving it), and what each of its
// passes wakes elsewhere:
//   - a node that may have become usable (new, back, uncordoned, grown, no longer full): the
//     users still waiting for a node in its namespace;
//   - a node every user must leave (deleted, drained, Unreachable past the grace): its users,
//     now rather than at their next resync;
//   - a Ready node: the pending-removals controller, for the clients moves left on it.
// Also every VpnNode of a namespace as the balancer sees it (AllNodeViews).
//
// Ownership: borrows everything in NodeWatchDeps, which must outlive the controllers.
// Thread-safety: WatchVpnNodes before the informers start; the installed callbacks are
// thread-safe.
#ifndef X3UI_CONTROLLER_NODE_WATCHES_H_
#define X3UI_CONTROLLER_NODE_WATCHES_H_

#include <string>
#include <vector>

#include "controller/node/placed_users.h"
#include "controller/node/reconciler.h"
#include "pkg/balancer/placement_policy.h"
#include "pkg/kube/client.h"
#include "pkg/runtime/controller.h"

namespace x3ui::controller {

struct NodeWatchDeps {
  kube::KubeClient* kube;
  std::string ns;                            // "" for all namespaces
  runtime::Controller* nodes;                // the node controller itself
  runtime::Controller* assignments;          // its informer has the "unplaced" and "node" indexes
  runtime::Controller* pending_removals;     // keyed by node
  NodeReconciler* reconciler;
  PlacedUsersCache* placed;                  // forgets a deleted node
};

void WatchVpnNodes(const NodeWatchDeps& deps);

// Every VpnNode of namespace `ns` as the balancer sees it: probed ones as probed, the others
// (just after a start) from their spec and last status.
std::vector<balancer::NodeView> AllNodeViews(const NodeReconciler& reconciler, const kube::Informer& nodes,
                                             const std::string& ns);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_WATCHES_H_
