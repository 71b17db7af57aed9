// File: controller/assignment/placement.h
//
// DecidePlacement: where one user is to be served after this pass, as a pure function of the
// nodes' views (with their users counted), the assignment, a new user's earlier choice and a
// VpnMigration's request. Sticky: a placed user stays unless its node must be left (Unreachable
// past the grace, draining, deleted, a changed pin) or a migration asks. Moves of a dead node's
// users (reason NodeUnreachable) take no slot of the disruption budget: they have no working
// placement left to disrupt, as a PodDisruptionBudget lets unhealthy pods go.
//
// Thread-safety: pure.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_PLACEMENT_H_
#define X3UI_CONTROLLER_ASSIGNMENT_PLACEMENT_H_

#include <optional>
#include <string>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/balancer/placement_policy.h"
#include "pkg/kube/client.h"

namespace x3ui::controller {

// A new user handed to the batcher, not yet placed in status: the node chosen, why, and the
// Secret saved for it (so that the pass after the add need not read it back).
struct NewChoice {
  std::string node;
  std::string reason;
  kube::Json secret;
};

struct PlacementInput {
  std::string key;  // "ns/name"
  const api::VpnAssignment* assignment = nullptr;
  std::vector<balancer::NodeView> views;       // the namespace's nodes, users counted
  const NewChoice* chosen = nullptr;           // a new user's earlier choice, if any
  std::optional<std::string> requested_target;  // a VpnMigration's pending request, if any
};

struct PlacementDecision {
  enum class Kind {
    kUnschedulable,  // not placed, and nowhere to go: Pending
    kNoTarget,       // placed, should leave, nowhere to go: stays
    kPlace,          // a new user, or one that stays where it is
    kMove,           // leaves `source` for `node`
  };
  Kind kind = Kind::kPlace;
  std::string node;    // where the user is counted after this pass (empty when unschedulable)
  std::string reason;  // why it is there: the Placed reason, the journal's and the ledger's
  std::string source;  // kMove: the node it leaves
  std::string why;     // kUnschedulable, kNoTarget: what stops it, for a person to act on
  bool needs_slot = false;  // kMove that is not a rescue: takes a slot of the disruption budget
  bool placed_is_news = false;  // Placed=True "placed on <node>" (policy_reason) is to be set
  std::string policy_reason;    // the policy's own reason (Balanced, Sticky, Pinned, ...)
  std::string request_failure;  // the VpnMigration request cannot be honoured: why
};

PlacementDecision DecidePlacement(const balancer::PlacementPolicy& policy, const PlacementInput& in);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_PLACEMENT_H_
