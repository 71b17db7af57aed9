#include "pkg/balancer/migration_planner.h"

#include <gtest/gtest.h>

namespace x3ui::balancer {
namespace {

NodeView Node(std::string name, int64_t users, int64_t max, std::string evacuate = "", int64_t weight = 1) {
  NodeView n;
  n.name = std::move(name);
  n.users = users;
  n.max_users = max;
  n.weight = weight;
  n.region = "eu";
  n.evacuate_reason = std::move(evacuate);
  return n;
}

PlacedUser User(std::string name, std::string node, std::string pin = "") {
  return PlacedUser{std::move(name), std::move(node), std::move(pin), {}, {}};
}

class PlannerTest : public ::testing::Test {
 protected:
  PlacementPolicy policy_;
  MigrationPlanner planner_{&policy_};
};

TEST_F(PlannerTest, NothingToDoOnAHealthyFleet) {
  MigrationPlan p = planner_.PlanEvacuations({Node("a", 2, 10), Node("b", 0, 10)},
                                             {User("u1", "a"), User("u2", "a")}, 10, 0);
  EXPECT_TRUE(p.moves.empty());
  EXPECT_TRUE(p.blocked.empty());
  EXPECT_EQ(p.deferred, 0);
}

TEST_F(PlannerTest, DrainSpreadsUsersByWeight) {
  MigrationPlan p = planner_.PlanEvacuations(
      {Node("a", 3, 10, "NodeDraining"), Node("b", 0, 10, "", 2), Node("c", 0, 10, "", 1)},
      {User("u1", "a"), User("u2", "a"), User("u3", "a")}, 10, 0);
  // b (weight 2) ends with 2 users, c (weight 1) with 1; the tie at u2 goes to b by name.
  std::vector<Move> want = {{"u1", "a", "b", "NodeDraining"}, {"u2", "a", "b", "NodeDraining"},
                            {"u3", "a", "c", "NodeDraining"}};
  EXPECT_EQ(p.moves, want);
}

TEST_F(PlannerTest, BudgetCapsMovesAndDefersTheRest) {
  std::vector<PlacedUser> users;
  for (int i = 0; i < 10; ++i) users.push_back(User("u" + std::to_string(i), "a"));
  MigrationPlan p = planner_.PlanEvacuations({Node("a", 10, 10, "NodeDraining"), Node("b", 0, 100)}, users, 5, 2);
  EXPECT_EQ(p.moves.size(), 3u);
  EXPECT_EQ(p.deferred, 7);
}

TEST_F(PlannerTest, UnreachableBeforeDrainingBeforeManual) {
  MigrationPlan p = planner_.PlanEvacuations(
      {Node("drained", 1, 10, "NodeDraining"), Node("dead", 1, 10, "NodeUnreachable"), Node("ok", 1, 10),
       Node("target", 0, 100)},
      {User("a-drain", "drained"), User("z-dead", "dead"), User("m-pin", "ok", "target")}, 2, 0);
  ASSERT_EQ(p.moves.size(), 2u);
  EXPECT_EQ(p.moves[0].user, "z-dead");
  EXPECT_EQ(p.moves[0].reason, "NodeUnreachable");
  EXPECT_EQ(p.moves[1].user, "a-drain");
  EXPECT_EQ(p.deferred, 1);
}

TEST_F(PlannerTest, PlannedMovesCountAgainstCapacity) {
  MigrationPlan p = planner_.PlanEvacuations({Node("a", 3, 10, "NodeDraining"), Node("b", 8, 10)},
                                             {User("u1", "a"), User("u2", "a"), User("u3", "a")}, 10, 0);
  EXPECT_EQ(p.moves.size(), 2u);
  ASSERT_EQ(p.blocked.size(), 1u);
  EXPECT_EQ(p.blocked[0].user, "u3");
  EXPECT_EQ(p.blocked[0].reason, "no Ready node with free capacity: 1 full, 1 is the current node");
}

TEST_F(PlannerTest, DeletedNodeAndChangedPin) {
  MigrationPlan p = planner_.PlanEvacuations({Node("b", 0, 10), Node("c", 0, 10)},
                                             {User("u1", "gone"), User("u2", "b", "c")}, 10, 0);
  std::vector<Move> want = {{"u1", "gone", "b", "NodeDeleted"}, {"u2", "b", "c", "Pinned"}};
  EXPECT_EQ(p.moves, want);
}

TEST_F(PlannerTest, RequestedMigrationToNamedNode) {
  std::vector<PlacedUser> users = {User("u1", "a"), User("u2", "a"), User("u3", "a"), User("p", "a", "a"),
                                   User("elsewhere", "b")};
  users[1].labels = {{"plan", "gold"}};
  users[2].labels = {{"plan", "gold"}};
  MigrationRequest req{.from_node = "a", .to_node = "c", .selector = api::LabelSelector{.match_labels = {{"plan", "gold"}}}};
  MigrationPlan p = planner_.PlanRequested({Node("a", 4, 10), Node("b", 1, 10), Node("c", 0, 10)}, users, req, 10, 0);
  std::vector<Move> want = {{"u2", "a", "c", "VpnMigration"}, {"u3", "a", "c", "VpnMigration"}};
  EXPECT_EQ(p.moves, want);
}

TEST_F(PlannerTest, RequestedMigrationLetsBalancerChooseAndHonoursMaxUsers) {
  std::vector<PlacedUser> users = {User("u1", "a"), User("u2", "a"), User("u3", "a")};
  MigrationRequest req{.from_node = "a", .max_users = 2};
  MigrationPlan p = planner_.PlanRequested({Node("a", 3, 10), Node("b", 5, 10), Node("c", 0, 10)}, users, req, 10, 0);
  std::vector<Move> want = {{"u1", "a", "c", "VpnMigration"}, {"u2", "a", "c", "VpnMigration"}};
  EXPECT_EQ(p.moves, want);
}

TEST_F(PlannerTest, RequestedMigrationToFullNodeIsBlocked) {
  MigrationRequest req{.from_node = "a", .to_node = "b"};
  MigrationPlan p = planner_.PlanRequested({Node("a", 1, 10), Node("b", 1, 1)}, {User("u1", "a")}, req, 10, 0);
  EXPECT_TRUE(p.moves.empty());
  ASSERT_EQ(p.blocked.size(), 1u);
  EXPECT_EQ(p.blocked[0].reason, "pinned node b is full (1/1 users)");
}

}  // namespace
}  // namespace x3ui::balancer
