// File: controller/dashboard/moves_view.h
//
// The fleet console's view of users' moves, derived from the informer caches alone (the move
// journal lives in the ledger, which the console does not read):
//   failed   the assignment's Placed condition is False MoveFailed (still on its source);
//   waiting  the user is pinned elsewhere (spec.nodeName), in a Running VpnMigration's plan and
//            not yet on its target, or on a node it must leave (deleted, draining, Unreachable —
//            an Unreachable node's users wait out the failover grace first);
//   moved    Placed=True for a move reason, within `recent` of now (status.lastMigrationTime).
// And each VpnMigration with its phase, counts, condition and plan.
//
// Thread-safety: plain values and pure functions.
#ifndef X3UI_CONTROLLER_DASHBOARD_MOVES_VIEW_H_
#define X3UI_CONTROLLER_DASHBOARD_MOVES_VIEW_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/common/clock.h"

namespace x3ui::controller::dashboard {

inline constexpr char kMoveFailed[] = "failed";
inline constexpr char kMoveWaiting[] = "waiting";
inline constexpr char kMoveDone[] = "moved";

struct MoveRow {
  std::string ns, user;  // the VpnAssignment
  std::string from, to;  // `to` empty: the balancer chooses
  std::string reason;    // NodeUnreachable, Pinned, VpnMigration, ... (api::kMoveReasons)
  std::string state;     // kMoveFailed, kMoveWaiting or kMoveDone
  std::string since;     // RFC 3339; "" when unknown
  std::string message;   // the condition's message, for a failed move
};

struct MigrationRow {
  std::string ns, name, phase, from, to;
  bool dry_run = false;
  int64_t planned = 0, migrated = 0, failed = 0;
  std::string created;
  std::string reason, message;           // of its latest condition
  std::vector<api::PlannedMove> plan;    // at most kMaxPlanRows
};

struct MovesView {
  std::vector<MoveRow> moves;  // failed, then waiting, then moved; at most kMaxMoveRows
  size_t moves_total = 0;      // before the cut
  std::vector<MigrationRow> migrations;
};

inline constexpr size_t kMaxMoveRows = 200;
// How long a finished move is listed.
inline constexpr std::chrono::seconds kRecentMoves = std::chrono::hours(1);
inline constexpr size_t kMaxPlanRows = 50;

// Nodes by "namespace/name".
using NodeIndex = std::map<std::string, const api::VpnNode*>;
NodeIndex IndexNodes(const std::vector<api::VpnNode>& nodes);

// The move `a` is in, if any (`running`: the planned moves of Running VpnMigrations by
// "namespace/user").
using RunningPlans = std::map<std::string, api::PlannedMove>;
RunningPlans RunningMoves(const std::vector<api::VpnMigration>& migrations);
std::optional<MoveRow> MoveOf(const api::VpnAssignment& a, const NodeIndex& nodes, const RunningPlans& running,
                              TimePoint now, std::chrono::seconds recent);

MovesView BuildMovesView(const std::vector<api::VpnNode>& nodes, const std::vector<api::VpnAssignment>& assignments,
                         const std::vector<api::VpnMigration>& migrations, TimePoint now,
                         std::chrono::seconds recent = kRecentMoves);

api::Json ToJson(const MoveRow& row);
api::Json ToJson(const MigrationRow& row);
api::Json ToJson(const MovesView& view);

}  // namespace x3ui::controller::dashboard

#endif  // X3UI_CONTROLLER_DASHBOARD_MOVES_VIEW_H_
