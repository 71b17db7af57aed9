#include "controller/assignment/placement.h"

#include "pkg/api/conditions.h"
#include "pkg/api/reasons.h"

namespace x3ui::controller {
namespace {
using Kind = PlacementDecision::Kind;
using PolicyKind = balancer::Placement::Kind;
}  // namespace

PlacementDecision DecidePlacement(const balancer::PlacementPolicy& policy, const PlacementInput& in) {
  const api::VpnAssignment& a = *in.assignment;
  PlacementDecision d;
  balancer::PlacementRequest req{in.key, a.spec.node_name, a.spec.node_selector,
                                 in.chosen ? in.chosen->node : a.status.node_name, false};
  if (in.requested_target) req.pinned_node = *in.requested_target;
  Result<balancer::Placement> p = policy.Choose(in.views, req);
  if (in.requested_target && !p.ok()) {
    d.request_failure = p.status().message();
    req.pinned_node = a.spec.node_name;
    p = policy.Choose(in.views, req);
  }
  if (!p.ok() && a.status.node_name.empty()) {
    d.kind = Kind::kUnschedulable;
    d.why = (a.spec.node_name.empty() ? "" : "spec.nodeName: ") + p.status().message();
    return d;
  }
  if (!p.ok()) {
    d.kind = Kind::kNoTarget;
    d.node = a.status.node_name;
    d.why = p.status().message();
    return d;
  }
  // A new user handed to the batcher is not placed in status yet: nothing to move.
  const PolicyKind kind = in.chosen ? PolicyKind::kNew : p->kind;
  d.node = p->node;
  d.policy_reason = p->reason;
  d.reason = p->reason;
  if (kind == PolicyKind::kMove) {
    d.kind = Kind::kMove;
    d.source = a.status.node_name;
    d.needs_slot = p->reason != api::kReasonNodeUnreachable;
    if (in.requested_target && d.request_failure.empty()) d.reason = api::kReasonVpnMigration;
  }
  // The pass a batched add wakes chooses again with the kept choice as the current node, which
  // the policy calls Sticky: the user was placed for the kept choice's reason.
  if (in.chosen && d.node == in.chosen->node) d.reason = d.policy_reason = in.chosen->reason;
  // A user staying put keeps the reason it was placed for (no status churn Balanced -> Sticky).
  const api::Condition* was = api::FindCondition(a.status.conditions, api::kPlaced);
  d.placed_is_news = d.source.empty() && (kind == PolicyKind::kNew || !was || was->status != api::kConditionTrue);
  return d;
}

}  // namespace x3ui::controller
