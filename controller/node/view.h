// File: controller/node/view.h
//
// What the balancer sees of a VpnNode (balancer::NodeView): phase, capacity, priority, weight,
// region, labels, and whether every user must leave it (deleted, draining, or Unreachable past
// the failover grace).
//
// Thread-safety: pure.
#ifndef X3UI_CONTROLLER_NODE_VIEW_H_
#define X3UI_CONTROLLER_NODE_VIEW_H_

#include <string>

#include "pkg/api/types.h"
#include "pkg/balancer/placement_policy.h"

namespace x3ui::controller {

// The balancer's view of `node` given its health phase (Ready, Degraded, ...) and whether it has
// been Unreachable past the failover grace.
balancer::NodeView ViewOf(const api::VpnNode& node, const std::string& health_phase, bool unreachable_past_grace);
// The view of a node this process has not probed yet (just started): from its spec and last
// status, never evacuating for unreachability. Users must not move because a restarted operator
// has not caught up with its nodes.
balancer::NodeView UnprobedView(const api::VpnNode& node);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_VIEW_H_
