// The fleet console's moves: which assignments are moving, from where to where and why, as a
// table of fleets in and move rows out; and the VpnMigrations' rows.
#include "controller/dashboard/moves_view.h"

#include <gtest/gtest.h>

#include "pkg/api/reasons.h"
#include "tests/unit/controller/dashboard/fixtures.h"

namespace x3ui::controller::dashboard {
namespace {

using testing::MoveFailed;
using testing::Moved;
using testing::Node;
using testing::User;

const TimePoint kNow = *ParseRfc3339("2026-12-04T12:00:00Z");

api::VpnMigration Running(const std::string& name, std::vector<api::PlannedMove> plan) {
  api::VpnMigration m;
  m.metadata.namespace_ = "vpn";
  m.metadata.name = name;
  m.status.phase = api::kPhaseRunning;
  m.status.plan = std::move(plan);
  return m;
}

TEST(MovesViewTest, EachKindOfMove) {
  api::VpnNode draining = Node("drain-1", "Ready", 1, 10);
  draining.spec.drain = true;
  api::VpnNode deleted = Node("gone-1", "Ready", 1, 10);
  deleted.metadata.deletion_timestamp = "2026-12-04T11:59:00Z";
  const std::vector<api::VpnNode> nodes = {Node("fra-1", "Ready", 3, 10), Node("fra-2", "Unreachable", 1, 10),
                                           draining, deleted};
  api::VpnAssignment pinned = User("pinned", "fra-1");
  pinned.spec.node_name = "drain-1";
  struct Case {
    const char* name;
    api::VpnAssignment user;
    std::optional<MoveRow> want;  // ns and user are the assignment's
  };
  const Case cases[] = {
      {"settled: no move", User("settled", "fra-1"), std::nullopt},
      {"not placed: a placement, not a move", User("new", ""), std::nullopt},
      {"its node is Unreachable", User("stranded", "fra-2"),
       MoveRow{.from = "fra-2", .reason = api::kReasonNodeUnreachable, .state = kMoveWaiting, .since = "2026-12-04T10:00:00Z"}},
      {"its node drains", User("drained", "drain-1"),
       MoveRow{.from = "drain-1", .reason = api::kReasonNodeDraining, .state = kMoveWaiting, .since = "2026-12-04T10:00:00Z"}},
      {"its node is deleted", User("orphan", "gone-1"),
       MoveRow{.from = "gone-1", .reason = api::kReasonNodeDeleted, .state = kMoveWaiting, .since = "2026-12-04T11:59:00Z"}},
      {"pinned elsewhere", pinned, MoveRow{.from = "fra-1", .to = "drain-1", .reason = api::kReasonPinned, .state = kMoveWaiting}},
      {"in a running VpnMigration", User("planned", "fra-1"),
       MoveRow{.from = "fra-1", .to = "drain-1", .reason = api::kReasonVpnMigration, .state = kMoveWaiting}},
      {"a move failed", MoveFailed(User("stuck", "fra-2"), api::kReasonNodeUnreachable, "fra-1", "2026-12-04T11:00:00Z"),
       MoveRow{.from = "fra-2", .to = "fra-1", .reason = api::kReasonNodeUnreachable, .state = kMoveFailed,
               .since = "2026-12-04T11:00:00Z"}},
      {"moved 10 minutes ago", Moved(User("moved", "fra-2"), api::kReasonNodeUnreachable, "fra-2", "fra-1", "2026-12-04T11:50:00Z"),
       MoveRow{.from = "fra-2", .to = "fra-1", .reason = api::kReasonNodeUnreachable, .state = kMoveDone,
               .since = "2026-12-04T11:50:00Z"}},
      {"moved two hours ago: no longer listed",
       Moved(User("old", "fra-2"), api::kReasonPinned, "fra-2", "fra-1", "2026-12-04T10:00:00Z"), std::nullopt},
  };
  const RunningPlans running = RunningMoves({Running("m1", {{.user = "planned", .from = "fra-1", .to = "drain-1"}})});
  const NodeIndex index = IndexNodes(nodes);
  for (const Case& c : cases) {
    std::optional<MoveRow> got = MoveOf(c.user, index, running, kNow, kRecentMoves);
    ASSERT_EQ(got.has_value(), c.want.has_value()) << c.name;
    if (!got) continue;
    EXPECT_EQ(got->ns, "vpn") << c.name;
    EXPECT_EQ(got->user, c.user.metadata.name) << c.name;
    EXPECT_EQ(got->from, c.want->from) << c.name;
    EXPECT_EQ(got->to, c.want->to) << c.name;
    EXPECT_EQ(got->reason, c.want->reason) << c.name;
    EXPECT_EQ(got->state, c.want->state) << c.name;
    EXPECT_EQ(got->since, c.want->since) << c.name;
  }
}

TEST(MovesViewTest, FailedFirstThenWaitingThenDoneAndCapped) {
  std::vector<api::VpnAssignment> users = {
      Moved(User("done", "fra-1"), api::kReasonPinned, "fra-2", "fra-1", "2026-12-04T11:59:00Z"),
      User("waiting", "fra-2"),
      MoveFailed(User("failed", "fra-2"), api::kReasonNodeUnreachable, "fra-1", "2026-12-04T11:00:00Z"),
  };
  for (int i = 0; i < 300; ++i) users.push_back(User("w" + std::to_string(i), "fra-2"));
  const MovesView v = BuildMovesView({Node("fra-1", "Ready", 1, 10), Node("fra-2", "Unreachable", 1, 10)}, users, {}, kNow);
  EXPECT_EQ(v.moves_total, 303u);
  ASSERT_EQ(v.moves.size(), kMaxMoveRows);
  EXPECT_EQ(v.moves[0].user, "failed");
  EXPECT_EQ(v.moves[1].state, kMoveWaiting);
}

TEST(MovesViewTest, MigrationRowsCarryPhaseCountsConditionAndPlan) {
  api::VpnMigration m = Running("evacuate", {});
  for (int i = 0; i < 60; ++i) m.status.plan.push_back({.user = "u" + std::to_string(i), .from = "a", .to = "b"});
  m.spec.from_node = "a";
  m.status.migrated = 10;
  m.status.failed = 1;
  m.status.conditions = {{.type = "Complete", .status = "False", .last_transition_time = "2026-12-04T11:00:00Z", .reason = "Running", .message = "10 of 60"}};
  api::VpnMigration dry = Running("preview", {});
  dry.spec.dry_run = true;
  dry.status.phase = "";
  const MovesView v = BuildMovesView({}, {}, {m, dry}, kNow);
  ASSERT_EQ(v.migrations.size(), 2u);
  const MigrationRow& row = v.migrations[0].name == "evacuate" ? v.migrations[0] : v.migrations[1];
  EXPECT_EQ(row.phase, api::kPhaseRunning);
  EXPECT_EQ(row.planned, 60);
  EXPECT_EQ(row.plan.size(), kMaxPlanRows);
  EXPECT_EQ(row.migrated, 10);
  EXPECT_EQ(row.failed, 1);
  EXPECT_EQ(row.reason, "Running");
  EXPECT_EQ(row.message, "10 of 60");
  const MigrationRow& preview = &row == &v.migrations[0] ? v.migrations[1] : v.migrations[0];
  EXPECT_EQ(preview.phase, api::kPhasePending);
  EXPECT_TRUE(preview.dry_run);
  // A dry run moves nobody.
  EXPECT_TRUE(RunningMoves({dry}).empty());
}

}  // namespace
}  // namespace x3ui::controller::dashboard
