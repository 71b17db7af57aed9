// File: pkg/balancer/placement_policy.h
//
// PlacementPolicy: which node serves a user (SPEC.md §1, "Placement").
//
// A new user goes to a node that is Ready, schedulable (not cordoned), not evacuating, under
// capacity and matching the assignment's nodeSelector. Among those, the highest priority tier
// wins; within the tier, the node with the lowest (users+1)/weight, ties broken by name, restricted
// to the nodes still under their upper weighted quota (users·W < (h+1)·weight, where h and W are
// the tier's users and weights). The restriction is the Balinski–Young quota method: it keeps
// every node within one user of its weighted ideal share when a batch is placed, which plain
// (users+1)/weight alone does not guarantee.
//
// Existing users are sticky: a user stays on its node unless the node is evacuating (drained,
// deleted, or Unreachable past the failover grace), no longer matches the selector, or the user
// is pinned elsewhere. A pin (spec.nodeName) bypasses cordon and the selector, as a Pod's
// nodeName bypasses the scheduler, but never capacity or health.
//
// Thread-safety: PlacementPolicy is stateless and const; share it freely.
#ifndef X3UI_PKG_BALANCER_PLACEMENT_POLICY_H_
#define X3UI_PKG_BALANCER_PLACEMENT_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/common/status.h"

namespace x3ui::balancer {

// What the policy knows of one node; built by the caller from the VpnNode and its health.
struct NodeView {
  std::string name;
  std::string phase = api::kPhaseReady;  // Pending | Ready | Degraded | Unreachable | Draining
  bool schedulable = true;               // false when cordoned (spec.unschedulable)
  // Non-empty when every user must leave: "NodeDraining", "NodeDeleted", "NodeUnreachable".
  std::string evacuate_reason;
  int64_t max_users = 0;
  int64_t users = 0;  // users placed here, including moves into it still in flight
  int64_t priority = 0;
  int64_t weight = 1;
  std::string region;
  api::StringMap labels;

  bool evacuating() const { return !evacuate_reason.empty(); }
};

struct PlacementRequest {
  std::string user;          // assignment key, used in messages
  std::string pinned_node;   // spec.nodeName; empty when not pinned
  api::NodeSelector selector;
  std::string current_node;  // status.nodeName; empty for a user not yet placed
  bool must_move = false;    // leave current_node even if it could stay (a VpnMigration asks)
};

struct Placement {
  enum class Kind { kStay, kNew, kMove };
  Kind kind = Kind::kNew;
  std::string node;
  std::string reason;  // CamelCase: Sticky, Pinned, Balanced, or the evacuation reason for moves
};

// True when `node` satisfies `selector` (region equal, every label present with its value).
bool SelectorMatches(const api::NodeSelector& selector, const NodeView& node);

class PlacementPolicy {
 public:
  // Chooses where `req` should be. Deterministic for the same inputs. Does not modify `nodes`.
  // Fails with FailedPrecondition and a message a person can act on, e.g.
  // "no Ready node with free capacity in region eu: 2 full, 1 Unreachable".
  Result<Placement> Choose(const std::vector<NodeView>& nodes, const PlacementRequest& req) const;

  // Places `reqs` in order, exactly as calling Choose for each and then counting the user on the
  // chosen node (kNew and kMove add one to that node's `users`; the source is left as it is,
  // because a move is make-before-break). Much faster than repeated Choose for many new users:
  // O(log n) per unpinned new user. Returns one result per request.
  std::vector<Result<Placement>> PlaceBatch(std::vector<NodeView>* nodes,
                                            const std::vector<PlacementRequest>& reqs) const;
};

}  // namespace x3ui::balancer

#endif  // X3UI_PKG_BALANCER_PLACEMENT_POLICY_H_
