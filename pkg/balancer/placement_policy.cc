#include "pkg/balancer/placement_policy.h"

#include <algorithm>
#include <deque>
#include <map>
#include <queue>
#include <unordered_map>

#include "pkg/api/reasons.h"

namespace x3ui::balancer {

bool SelectorMatches(const api::NodeSelector& selector, const NodeView& node) {
  if (!selector.region.empty() && selector.region != node.region) return false;
  for (const auto& [k, v] : selector.labels) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return false;
  }
  return true;
}

namespace {

// Static part of eligibility for a new user (everything but capacity and the selector).
bool AcceptsNewUsers(const NodeView& n) {
  return n.phase == api::kPhaseReady && n.schedulable && !n.evacuating();
}

bool HasRoom(const NodeView& n) { return n.users < n.max_users; }

// (a.users+1)/a.weight < (b.users+1)/b.weight, then by name.
bool LessLoaded(const NodeView& a, const NodeView& b) {
  int64_t lhs = (a.users + 1) * b.weight;
  int64_t rhs = (b.users + 1) * a.weight;
  if (lhs != rhs) return lhs < rhs;
  return a.name < b.name;
}

// Under its upper quota for the tier's next user: users·W < (h+1)·weight.
bool UnderQuota(const NodeView& n, int64_t tier_users, int64_t tier_weight) {
  return static_cast<__int128>(n.users) * tier_weight < static_cast<__int128>(tier_users + 1) * n.weight;
}

const NodeView* FindNode(const std::vector<NodeView>& nodes, const std::string& name) {
  for (const auto& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string DescribeSelector(const api::NodeSelector& s) {
  std::string out;
  if (!s.region.empty()) out += " in region " + s.region;
  if (!s.labels.empty()) {
    out += " with labels ";
    bool first = true;
    for (const auto& [k, v] : s.labels) {
      out += (first ? "" : ",") + k + "=" + v;
      first = false;
    }
  }
  return out;
}

// Why no node could take a new user: counts of each obstacle among the candidates.
Status NoNodeError(const std::vector<NodeView>& nodes, const PlacementRequest& req) {
  if (nodes.empty()) return Status::FailedPrecondition("no VpnNode exists");
  std::map<std::string, int> why;
  int mismatched = 0;
  for (const auto& n : nodes) {
    if (n.name == req.current_node) continue;
    if (!SelectorMatches(req.selector, n)) {
      ++mismatched;
    } else if (n.evacuating()) {
      ++why[n.evacuate_reason == api::kReasonNodeDeleted ? "being deleted" : n.evacuate_reason == api::kReasonNodeDraining ? "draining" : n.phase];
    } else if (n.phase != api::kPhaseReady) {
      ++why[n.phase];
    } else if (!n.schedulable) {
      ++why["cordoned"];
    } else if (!HasRoom(n)) {
      ++why["full"];
    }
  }
  std::string msg = "no Ready node with free capacity" + DescribeSelector(req.selector);
  // Most common obstacle first.
  std::vector<std::pair<std::string, int>> ranked(why.begin(), why.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string detail;
  for (const auto& [k, count] : ranked) detail += (detail.empty() ? "" : ", ") + std::to_string(count) + " " + k;
  if (mismatched > 0) {
    detail += (detail.empty() ? "" : ", ") + std::to_string(mismatched) + " not matching the selector";
  }
  if (!req.current_node.empty()) detail += (detail.empty() ? "" : ", ") + std::string("1 is the current node");
  return Status::FailedPrecondition(msg + (detail.empty() ? "" : ": " + detail));
}

// Decides a pinned request: the pin, or why the pin cannot be honoured.
Result<Placement> ChoosePinned(const std::vector<NodeView>& nodes, const PlacementRequest& req) {
  const NodeView* pin = FindNode(nodes, req.pinned_node);
  std::string what = "pinned node " + req.pinned_node;
  if (pin == nullptr) return Status::FailedPrecondition(what + " does not exist");
  if (pin->evacuating()) {
    return Status::FailedPrecondition(what + " cannot take users (" + pin->evacuate_reason + ")");
  }
  if (req.current_node == pin->name) {
    if (req.must_move) return Status::FailedPrecondition(what + " is the node the user must leave");
    return Placement{Placement::Kind::kStay, pin->name, api::kReasonPinned};
  }
  if (pin->phase != api::kPhaseReady) return Status::FailedPrecondition(what + " is " + pin->phase + ", not Ready");
  if (!HasRoom(*pin)) {
    return Status::FailedPrecondition(what + " is full (" + std::to_string(pin->users) + "/" +
                                      std::to_string(pin->max_users) + " users)");
  }
  return Placement{req.current_node.empty() ? Placement::Kind::kNew : Placement::Kind::kMove, pin->name, api::kReasonPinned};
}

// A user already placed stays unless its node must be left.
bool CanStay(const NodeView* current, const PlacementRequest& req) {
  return !req.must_move && current != nullptr && !current->evacuating() && SelectorMatches(req.selector, *current);
}

// Reason for leaving the current node (used as the move's reason).
std::string LeaveReason(const NodeView* current, const PlacementRequest& req) {
  if (req.must_move) return api::kReasonVpnMigration;
  if (current == nullptr) return api::kReasonNodeDeleted;
  if (current->evacuating()) return current->evacuate_reason;
  return api::kReasonSelectorChanged;
}

bool IsCandidate(const NodeView& n, const PlacementRequest& req) {
  return AcceptsNewUsers(n) && HasRoom(n) && n.name != req.current_node && SelectorMatches(req.selector, n);
}

}  // namespace

Result<Placement> PlacementPolicy::Choose(const std::vector<NodeView>& nodes, const PlacementRequest& req) const {
  // 1. A pin decides on its own.
  if (!req.pinned_node.empty()) return ChoosePinned(nodes, req);

  // 2. Sticky: stay where the user is when allowed.
  const NodeView* current = req.current_node.empty() ? nullptr : FindNode(nodes, req.current_node);
  if (CanStay(current, req)) return Placement{Placement::Kind::kStay, current->name, "Sticky"};

  // 3. The top priority tier among candidates, with its users and weights.
  const NodeView* any = nullptr;
  int64_t top = 0;
  for (const auto& n : nodes) {
    if (!IsCandidate(n, req)) continue;
    if (any == nullptr || n.priority > top) top = n.priority;
    any = &n;
  }
  if (any == nullptr) return NoNodeError(nodes, req);
  int64_t tier_users = 0, tier_weight = 0;
  for (const auto& n : nodes) {
    if (IsCandidate(n, req) && n.priority == top) {
      tier_users += n.users;
      tier_weight += n.weight;
    }
  }

  // 4. The least loaded node of the tier that is under its quota.
  const NodeView* best = nullptr;
  for (const auto& n : nodes) {
    if (!IsCandidate(n, req) || n.priority != top || !UnderQuota(n, tier_users, tier_weight)) continue;
    if (best == nullptr || LessLoaded(n, *best)) best = &n;
  }
  // At least one node is under quota, since Σusers = h < h+1 = Σ(h+1)·w/W; the fallback only
  // guards against a bug stranding a user.
  if (best == nullptr) {
    for (const auto& n : nodes) {
      if (IsCandidate(n, req) && n.priority == top && (best == nullptr || LessLoaded(n, *best))) best = &n;
    }
  }
  Placement p{Placement::Kind::kNew, best->name, "Balanced"};
  if (!req.current_node.empty()) {
    p.kind = Placement::Kind::kMove;
    p.reason = LeaveReason(current, req);
  }
  return p;
}

namespace {

// Incremental state for PlaceBatch: one heap per distinct selector over that selector's static
// candidates, ordered like Choose. Every count change pushes a fresh entry for the node into each
// group it belongs to; older entries for that node are then stale and dropped when popped.
class BatchPlacer {
 public:
  explicit BatchPlacer(std::vector<NodeView>* nodes)
      : nodes_(*nodes), name_rank_(nodes->size()), memberships_(nodes->size()) {
    std::vector<size_t> order(nodes_.size());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      index_[nodes_[i].name] = i;
      order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return nodes_[a].name < nodes_[b].name; });
    for (size_t r = 0; r < order.size(); ++r) name_rank_[order[r]] = r;
  }

  // Counts one more user on node i, keeping every group's heap and tier sums exact.
  void AddUser(size_t i) {
    NodeView& n = nodes_[i];
    bool was_open = HasRoom(n);
    ++n.users;
    for (size_t g : memberships_[i]) {
      if (!was_open) continue;
      Tier& t = groups_[g].tiers[n.priority];
      if (HasRoom(n)) {
        ++t.users;
        groups_[g].heap.push(MakeEntry(i));
      } else {
        t.users -= n.users - 1;  // the node is full: it leaves the tier
        t.weight -= n.weight;
      }
    }
  }

  // Balanced choice for a new, unpinned user with this selector; -1 when none fits.
  int64_t PickNew(const api::NodeSelector& sel) {
    Group& g = GroupFor(sel);
    std::vector<Entry> aside;
    int64_t chosen = -1;
    while (!g.heap.empty()) {
      Entry e = g.heap.top();
      const NodeView& n = nodes_[e.index];
      if (!HasRoom(n) || n.users != e.users) {  // full, or superseded by a fresher entry
        g.heap.pop();
        continue;
      }
      if (!aside.empty() && nodes_[aside.front().index].priority != n.priority) break;  // tier exhausted
      const Tier& t = g.tiers[n.priority];
      if (UnderQuota(n, t.users, t.weight)) {
        chosen = static_cast<int64_t>(e.index);
        break;  // the entry stays; AddUser supersedes it
      }
      g.heap.pop();
      aside.push_back(e);
    }
    // Unreachable while the tier sums are exact (see Choose); kept so a bug cannot strand a user.
    if (chosen < 0 && !aside.empty()) chosen = static_cast<int64_t>(aside.front().index);
    for (const auto& e : aside) g.heap.push(e);
    return chosen;
  }

  size_t IndexOf(const std::string& name) const { return index_.at(name); }

 private:
  struct Entry {
    int64_t priority, users, weight;
    size_t index;
  };
  struct Tier {
    int64_t users = 0, weight = 0;
  };
  // priority_queue pops the greatest: Worse(a, b) means b is the better node.
  struct ByLoad {
    const BatchPlacer* placer;
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.priority != b.priority) return a.priority < b.priority;
      int64_t lhs = (a.users + 1) * b.weight, rhs = (b.users + 1) * a.weight;
      if (lhs != rhs) return lhs > rhs;
      return placer->name_rank_[a.index] > placer->name_rank_[b.index];
    }
  };
  struct Group {
    std::priority_queue<Entry, std::vector<Entry>, ByLoad> heap;
    std::unordered_map<int64_t, Tier> tiers;
  };

  Entry MakeEntry(size_t i) const {
    const NodeView& n = nodes_[i];
    return {n.priority, n.users, n.weight, i};
  }

  static std::string Key(const api::NodeSelector& s) {
    std::string k = s.region + "\n";
    for (const auto& [a, b] : s.labels) k += a + "=" + b + "\n";
    return k;
  }

  Group& GroupFor(const api::NodeSelector& sel) {
    std::string key = Key(sel);
    auto it = group_index_.find(key);
    if (it != group_index_.end()) return groups_[it->second];
    size_t gi = groups_.size();
    group_index_[key] = gi;
    groups_.push_back(Group{decltype(Group::heap)(ByLoad{this}), {}});
    Group& g = groups_.back();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const NodeView& n = nodes_[i];
      if (!AcceptsNewUsers(n) || !SelectorMatches(sel, n)) continue;
      memberships_[i].push_back(gi);
      if (!HasRoom(n)) continue;
      g.heap.push(MakeEntry(i));
      Tier& t = g.tiers[n.priority];
      t.users += n.users;
      t.weight += n.weight;
    }
    return g;
  }

  std::vector<NodeView>& nodes_;
  std::vector<size_t> name_rank_;  // position of each node in name order, for cheap tie-breaks
  std::unordered_map<std::string, size_t> index_;
  std::deque<Group> groups_;       // a deque: references stay valid as groups are added
  std::unordered_map<std::string, size_t> group_index_;
  std::vector<std::vector<size_t>> memberships_;  // node -> groups it belongs to
};

}  // namespace

std::vector<Result<Placement>> PlacementPolicy::PlaceBatch(std::vector<NodeView>* nodes,
                                                           const std::vector<PlacementRequest>& reqs) const {
  BatchPlacer placer(nodes);
  std::vector<Result<Placement>> out;
  out.reserve(reqs.size());
  for (const auto& req : reqs) {
    if (req.pinned_node.empty() && req.current_node.empty() && !req.must_move) {
      int64_t i = placer.PickNew(req.selector);
      if (i < 0) {
        out.push_back(NoNodeError(*nodes, req));
        continue;
      }
      placer.AddUser(static_cast<size_t>(i));
      out.push_back(Placement{Placement::Kind::kNew, (*nodes)[i].name, "Balanced"});
      continue;
    }
    // Pinned and already-placed users are rare in a batch: take the exact, slower path.
    Result<Placement> r = Choose(*nodes, req);
    if (r.ok() && r->kind != Placement::Kind::kStay) placer.AddUser(placer.IndexOf(r->node));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace x3ui::balancer
