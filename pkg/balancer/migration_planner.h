// File: pkg/balancer/migration_planner.h
//
// MigrationPlanner: which users move where, and how many at once (SPEC.md §1, "Migration").
//
// Users must leave a node that is evacuating (drained, deleted, or Unreachable past the failover
// grace), a node that no longer matches their selector, or a node other than their pin. An
// explicit VpnMigration moves the users of one node (or those matching a selector) to a named
// node or wherever the policy says. Targets come from the same PlacementPolicy, with each planned
// move counted on its target so that a plan never overfills a node.
//
// A disruption budget caps the moves in flight across every trigger: a plan holds at most
// `budget - in_flight` moves, and the rest wait for the next round (`deferred`). Users with no
// service at all (their node is Unreachable) go first, then deletions and drains, then the rest.
//
// Thread-safety: stateless; const methods only.
#ifndef X3UI_PKG_BALANCER_MIGRATION_PLANNER_H_
#define X3UI_PKG_BALANCER_MIGRATION_PLANNER_H_

#include <string>
#include <vector>

#include "pkg/balancer/placement_policy.h"

namespace x3ui::balancer {

// One placed user, as the planner sees it.
struct PlacedUser {
  std::string user;         // assignment key (namespace/name)
  std::string node;         // where its clients are now
  std::string pinned_node;  // spec.nodeName
  api::NodeSelector selector;
  api::StringMap labels;    // the assignment's metadata.labels, for VpnMigration selectors
};

struct Move {
  std::string user;
  std::string from;
  std::string to;
  std::string reason;  // NodeUnreachable, NodeDeleted, NodeDraining, Pinned, SelectorChanged, VpnMigration
  bool operator==(const Move&) const = default;
};

struct Blocked {
  std::string user;
  std::string from;
  std::string reason;  // why no target could be found, for a condition message
};

struct MigrationPlan {
  std::vector<Move> moves;        // to start now, within the budget
  std::vector<Blocked> blocked;   // must move but no node can take them
  int64_t deferred = 0;           // must move and could, but the budget is spent
};

// What a VpnMigration asks for (spec fields).
struct MigrationRequest {
  std::string from_node;                   // empty: any node
  std::string to_node;                     // empty: the policy chooses
  std::optional<api::LabelSelector> selector;
  int64_t max_users = 0;                   // 0: all that match
};

class MigrationPlanner {
 public:
  // `policy` is borrowed and must outlive the planner.
  explicit MigrationPlanner(const PlacementPolicy* policy) : policy_(policy) {}

  // Moves for every user that must leave its node. `nodes` is taken by value: planned moves are
  // counted on their targets in this copy only. REQUIRES: budget >= 0, in_flight >= 0.
  MigrationPlan PlanEvacuations(std::vector<NodeView> nodes, const std::vector<PlacedUser>& users,
                                int64_t budget, int64_t in_flight) const;

  // Moves for an explicit VpnMigration. An explicit to_node must be Ready and have room; cordon
  // does not stop it (the request names it), as with a pin. Users pinned elsewhere are skipped.
  MigrationPlan PlanRequested(std::vector<NodeView> nodes, const std::vector<PlacedUser>& users,
                              const MigrationRequest& request, int64_t budget, int64_t in_flight) const;

 private:
  const PlacementPolicy* policy_;
};

}  // namespace x3ui::balancer

#endif  // X3UI_PKG_BALANCER_MIGRATION_PLANNER_H_
