#include "pkg/balancer/migration_planner.h"

#include <algorithm>
#include <unordered_map>

#include "pkg/api/reasons.h"

namespace x3ui::balancer {
namespace {

// Lower is more urgent.
int Urgency(const std::string& reason) {
  if (reason == api::kReasonNodeUnreachable) return 0;
  if (reason == api::kReasonNodeDeleted) return 1;
  if (reason == api::kReasonNodeDraining) return 2;
  return 3;
}

class PlanBuilder {
 public:
  PlanBuilder(std::vector<NodeView>* nodes, int64_t budget, int64_t in_flight)
      : nodes_(*nodes), room_(std::max<int64_t>(0, budget - in_flight)) {
    for (size_t i = 0; i < nodes_.size(); ++i) index_[nodes_[i].name] = i;
  }

  // Records a move and counts it on its target. REQUIRES: !BudgetSpent()
  void AddMove(Move m) {
    auto it = index_.find(m.to);
    if (it != index_.end()) ++nodes_[it->second].users;
    plan_.moves.push_back(std::move(m));
  }
  void Defer() { ++plan_.deferred; }
  void AddBlocked(Blocked b) { plan_.blocked.push_back(std::move(b)); }
  bool BudgetSpent() const { return static_cast<int64_t>(plan_.moves.size()) >= room_; }
  const NodeView* Find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &nodes_[it->second];
  }
  MigrationPlan Take() { return std::move(plan_); }

 private:
  std::vector<NodeView>& nodes_;
  int64_t room_;
  std::unordered_map<std::string, size_t> index_;
  MigrationPlan plan_;
};

PlacementRequest RequestFor(const PlacedUser& u) { return {u.user, u.pinned_node, u.selector, u.node}; }

}  // namespace

MigrationPlan MigrationPlanner::PlanEvacuations(std::vector<NodeView> nodes, const std::vector<PlacedUser>& users,
                                                int64_t budget, int64_t in_flight) const {
  PlanBuilder plan(&nodes, budget, in_flight);
  // 1. Who must leave, and why: the policy says "move" rather than "stay".
  struct Leaver {
    const PlacedUser* user;
    std::string reason;
  };
  std::vector<Leaver> leavers;
  for (const auto& u : users) {
    const NodeView* node = plan.Find(u.node);
    std::string reason;
    if (!u.pinned_node.empty() && u.pinned_node != u.node) {
      reason = api::kReasonPinned;
    } else if (node == nullptr) {
      reason = api::kReasonNodeDeleted;
    } else if (node->evacuating()) {
      reason = node->evacuate_reason;
    } else if (u.pinned_node.empty() && !SelectorMatches(u.selector, *node)) {
      reason = api::kReasonSelectorChanged;
    } else {
      continue;
    }
    leavers.push_back({&u, reason});
  }
  // 2. Most urgent first; by user name within a reason, so plans are deterministic.
  std::sort(leavers.begin(), leavers.end(), [](const Leaver& a, const Leaver& b) {
    int ua = Urgency(a.reason), ub = Urgency(b.reason);
    if (ua != ub) return ua < ub;
    return a.user->user < b.user->user;
  });
  // 3. A target for each, within the budget.
  for (const auto& l : leavers) {
    if (plan.BudgetSpent()) {
      plan.Defer();
      continue;
    }
    Result<Placement> r = policy_->Choose(nodes, RequestFor(*l.user));
    if (!r.ok()) {
      plan.AddBlocked({l.user->user, l.user->node, r.status().message()});
    } else if (r->kind != Placement::Kind::kStay) {
      plan.AddMove({l.user->user, l.user->node, r->node, l.reason});
    }
  }
  return plan.Take();
}

MigrationPlan MigrationPlanner::PlanRequested(std::vector<NodeView> nodes, const std::vector<PlacedUser>& users,
                                              const MigrationRequest& request, int64_t budget,
                                              int64_t in_flight) const {
  PlanBuilder plan(&nodes, budget, in_flight);
  std::vector<const PlacedUser*> chosen;
  for (const auto& u : users) {
    if (!request.from_node.empty() && u.node != request.from_node) continue;
    if (!request.to_node.empty() && u.node == request.to_node) continue;
    if (request.selector && !request.selector->Matches(u.labels)) continue;
    if (!u.pinned_node.empty()) continue;  // a pin is the user's own choice; edit it instead
    chosen.push_back(&u);
  }
  std::sort(chosen.begin(), chosen.end(), [](const PlacedUser* a, const PlacedUser* b) { return a->user < b->user; });
  if (request.max_users > 0 && static_cast<int64_t>(chosen.size()) > request.max_users) {
    chosen.resize(static_cast<size_t>(request.max_users));
  }
  for (const PlacedUser* u : chosen) {
    if (plan.BudgetSpent()) {
      plan.Defer();
      continue;
    }
    PlacementRequest req = RequestFor(*u);
    req.must_move = true;                      // not sticky: the migration asks it to leave
    req.pinned_node = request.to_node;         // an explicit target behaves like a pin
    Result<Placement> r = policy_->Choose(nodes, req);
    if (!r.ok()) {
      plan.AddBlocked({u->user, u->node, r.status().message()});
    } else if (r->kind != Placement::Kind::kStay) {
      plan.AddMove({u->user, u->node, r->node, api::kReasonVpnMigration});
    }
  }
  return plan.Take();
}

}  // namespace x3ui::balancer
