#include "controller/dashboard/moves_view.h"

#include <algorithm>
#include <tuple>

#include "pkg/api/conditions.h"
#include "pkg/api/reasons.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller::dashboard {
namespace {

std::string KeyOf(const api::ObjectMeta& m) { return kube::ObjectKey{m.namespace_, m.name}.String(); }

bool IsMoveReason(const std::string& reason) {
  return std::any_of(std::begin(api::kMoveReasons), std::end(api::kMoveReasons),
                     [&](const char* r) { return reason == r; });
}

// The word after `marker` in `text`, up to the next space or comma ("" when absent). The
// messages read here are the assignment controller's own (MarkMoved: "moved from A to B";
// MarkMoveFailed: "R: moving to B failed, still on A: ..."); the unit tests build them with
// those functions, so a change of wording fails there.
std::string WordAfter(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return text.substr(start, text.find_first_of(" ,", start) - start);
}

// Why the user must leave its node, "" if it need not.
std::string LeaveReason(const api::VpnNode& node) {
  if (node.metadata.deleting()) return api::kReasonNodeDeleted;
  if (node.spec.drain) return api::kReasonNodeDraining;
  if (node.status.phase == api::kPhaseUnreachable) return api::kReasonNodeUnreachable;
  return "";
}

std::optional<MoveRow> FailedMove(const api::VpnAssignment& a, const api::Condition* placed) {
  if (placed == nullptr || placed->status != api::kConditionFalse || placed->reason != api::kReasonMoveFailed) {
    return std::nullopt;
  }
  return MoveRow{.from = a.status.node_name, .to = WordAfter(placed->message, "moving to "),
                 .reason = placed->message.substr(0, placed->message.find(':')), .state = kMoveFailed,
                 .since = placed->last_transition_time, .message = placed->message};
}

std::optional<MoveRow> WaitingMove(const api::VpnAssignment& a, const api::Condition* placed, const NodeIndex& nodes,
                                   const RunningPlans& running) {
  const std::string& on = a.status.node_name;
  if (on.empty()) return std::nullopt;  // not placed yet: a placement, not a move
  const std::string placed_since = placed != nullptr ? placed->last_transition_time : "";
  if (!a.spec.node_name.empty() && a.spec.node_name != on) {
    return MoveRow{.from = on, .to = a.spec.node_name, .reason = api::kReasonPinned, .state = kMoveWaiting, .since = placed_since};
  }
  if (auto plan = running.find(KeyOf(a.metadata)); plan != running.end() && plan->second.from == on && plan->second.to != on) {
    return MoveRow{.from = on, .to = plan->second.to, .reason = api::kReasonVpnMigration, .state = kMoveWaiting};
  }
  auto node = nodes.find(kube::ObjectKey{a.metadata.namespace_, on}.String());
  if (node == nodes.end()) return std::nullopt;
  const std::string why = LeaveReason(*node->second);
  if (why.empty()) return std::nullopt;
  const std::string since = why == api::kReasonNodeDeleted ? node->second->metadata.deletion_timestamp
                                                           : node->second->status.last_transition_time;
  return MoveRow{.from = on, .reason = why, .state = kMoveWaiting, .since = since};
}

std::optional<MoveRow> RecentMove(const api::VpnAssignment& a, const api::Condition* placed, TimePoint now,
                                  std::chrono::seconds recent) {
  if (placed == nullptr || placed->status != api::kConditionTrue || !IsMoveReason(placed->reason)) return std::nullopt;
  std::optional<TimePoint> at = ParseRfc3339(a.status.last_migration_time);
  if (!at || now - *at > recent) return std::nullopt;
  return MoveRow{.from = WordAfter(placed->message, "moved from "), .to = WordAfter(placed->message, " to "),
                 .reason = placed->reason, .state = kMoveDone, .since = a.status.last_migration_time};
}

int StateOrder(const std::string& state) { return state == kMoveFailed ? 0 : state == kMoveWaiting ? 1 : 2; }

MigrationRow MigrationRowOf(const api::VpnMigration& m) {
  MigrationRow row{.ns = m.metadata.namespace_, .name = m.metadata.name,
                   .phase = m.status.phase.empty() ? api::kPhasePending : m.status.phase, .from = m.spec.from_node,
                   .to = m.spec.to_node, .dry_run = m.spec.dry_run,
                   .planned = static_cast<int64_t>(m.status.plan.size()), .migrated = m.status.migrated,
                   .failed = m.status.failed, .created = m.metadata.creation_timestamp};
  auto latest = std::max_element(m.status.conditions.begin(), m.status.conditions.end(),
                                 [](const auto& x, const auto& y) { return x.last_transition_time < y.last_transition_time; });
  if (latest != m.status.conditions.end()) row.reason = latest->reason, row.message = latest->message;
  const size_t n = std::min(m.status.plan.size(), kMaxPlanRows);
  row.plan.assign(m.status.plan.begin(), m.status.plan.begin() + static_cast<std::ptrdiff_t>(n));
  return row;
}

}  // namespace

NodeIndex IndexNodes(const std::vector<api::VpnNode>& nodes) {
  NodeIndex index;
  for (const api::VpnNode& n : nodes) index[KeyOf(n.metadata)] = &n;
  return index;
}

RunningPlans RunningMoves(const std::vector<api::VpnMigration>& migrations) {
  RunningPlans running;
  for (const api::VpnMigration& m : migrations) {
    if (m.status.phase != api::kPhaseRunning || m.spec.dry_run) continue;
    for (const api::PlannedMove& mv : m.status.plan) {
      if (!mv.to.empty()) running[kube::ObjectKey{m.metadata.namespace_, mv.user}.String()] = mv;
    }
  }
  return running;
}

std::optional<MoveRow> MoveOf(const api::VpnAssignment& a, const NodeIndex& nodes, const RunningPlans& running,
                              TimePoint now, std::chrono::seconds recent) {
  const api::Condition* placed = api::FindCondition(a.status.conditions, api::kPlaced);
  std::optional<MoveRow> row = FailedMove(a, placed);
  if (!row) row = WaitingMove(a, placed, nodes, running);
  if (!row) row = RecentMove(a, placed, now, recent);
  if (row) row->ns = a.metadata.namespace_, row->user = a.metadata.name;
  return row;
}

MovesView BuildMovesView(const std::vector<api::VpnNode>& nodes, const std::vector<api::VpnAssignment>& assignments,
                         const std::vector<api::VpnMigration>& migrations, TimePoint now, std::chrono::seconds recent) {
  MovesView view;
  const NodeIndex index = IndexNodes(nodes);
  const RunningPlans running = RunningMoves(migrations);
  for (const api::VpnAssignment& a : assignments) {
    if (std::optional<MoveRow> row = MoveOf(a, index, running, now, recent)) view.moves.push_back(std::move(*row));
  }
  // Failed first, then waiting, then done; the oldest of each first ("" sorts first: unknown).
  std::sort(view.moves.begin(), view.moves.end(), [](const MoveRow& x, const MoveRow& y) {
    return std::tuple(StateOrder(x.state), x.since, x.ns, x.user) < std::tuple(StateOrder(y.state), y.since, y.ns, y.user);
  });
  view.moves_total = view.moves.size();
  if (view.moves.size() > kMaxMoveRows) view.moves.resize(kMaxMoveRows);
  for (const api::VpnMigration& m : migrations) view.migrations.push_back(MigrationRowOf(m));
  std::sort(view.migrations.begin(), view.migrations.end(), [](const MigrationRow& x, const MigrationRow& y) {
    return std::tie(y.created, x.ns, x.name) < std::tie(x.created, y.ns, y.name);  // newest first
  });
  return view;
}

api::Json ToJson(const MoveRow& r) {
  return {{"namespace", r.ns}, {"user", r.user}, {"from", r.from}, {"to", r.to}, {"reason", r.reason},
          {"state", r.state}, {"since", r.since}, {"message", r.message}};
}

api::Json ToJson(const MigrationRow& r) {
  api::Json plan = api::Json::array();
  for (const api::PlannedMove& mv : r.plan) plan.push_back({{"user", mv.user}, {"from", mv.from}, {"to", mv.to}, {"reason", mv.reason}});
  return {{"namespace", r.ns}, {"name", r.name}, {"phase", r.phase}, {"from", r.from}, {"to", r.to},
          {"dryRun", r.dry_run}, {"planned", r.planned}, {"migrated", r.migrated}, {"failed", r.failed},
          {"created", r.created}, {"reason", r.reason}, {"message", r.message}, {"plan", std::move(plan)}};
}

api::Json ToJson(const MovesView& v) {
  api::Json moves = api::Json::array(), migrations = api::Json::array();
  for (const MoveRow& r : v.moves) moves.push_back(ToJson(r));
  for (const MigrationRow& r : v.migrations) migrations.push_back(ToJson(r));
  return {{"moves", std::move(moves)}, {"movesTotal", v.moves_total}, {"migrations", std::move(migrations)}};
}

}  // namespace x3ui::controller::dashboard
