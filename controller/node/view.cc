#include "controller/node/view.h"

#include "pkg/api/reasons.h"

namespace x3ui::controller {

balancer::NodeView ViewOf(const api::VpnNode& node, const std::string& health_phase, bool unreachable_past_grace) {
  balancer::NodeView v;
  v.name = node.metadata.name;
  v.phase = health_phase;
  v.schedulable = !node.spec.unschedulable;
  v.evacuate_reason = node.metadata.deleting() ? api::kReasonNodeDeleted
                      : node.spec.drain         ? api::kReasonNodeDraining
                      : unreachable_past_grace  ? api::kReasonNodeUnreachable
                                                : "";
  v.max_users = node.spec.capacity.max_users;
  v.users = node.status.users;
  v.priority = node.spec.priority;
  v.weight = node.spec.weight;
  v.region = node.spec.region;
  v.labels = node.spec.labels;
  return v;
}

balancer::NodeView UnprobedView(const api::VpnNode& node) {
  // What the status last said, except that nobody fails over on a previous run's word: that
  // waits until this process has seen the node Unreachable past the grace itself.
  std::string phase = node.status.phase.empty() ? api::kPhasePending : node.status.phase;
  if (phase == api::kPhaseDraining) phase = api::kPhaseReady;
  return ViewOf(node, phase, false);
}

}  // namespace x3ui::controller
