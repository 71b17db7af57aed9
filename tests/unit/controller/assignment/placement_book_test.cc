#include "controller/assignment/placement_book.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace x3ui::controller {
namespace {

balancer::NodeView Node(const char* name, int64_t max) {
  balancer::NodeView v;
  v.name = name;
  v.max_users = max;
  return v;
}

api::VpnAssignment User(const std::string& name, const std::string& node = "") {
  api::VpnAssignment a;
  a.metadata.namespace_ = "vpn";
  a.metadata.name = name;
  a.status.node_name = node;
  return a;
}

TEST(PlacementBookTest, TwoUsersDecidedAtOnceNeverShareANodesLastSlot) {
  PlacementBook book;
  balancer::PlacementPolicy policy;
  const std::vector<balancer::NodeView> views = {Node("a", 50), Node("b", 50)};
  std::atomic<int> placed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string name = "u" + std::to_string(t) + "-" + std::to_string(i);
        auto p = book.Place("vpn", "vpn/" + name, User(name), views, policy, [] { return true; });
        if (p.decision.kind == PlacementDecision::Kind::kPlace) ++placed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(placed.load(), 100) << "100 slots, 120 users";
  EXPECT_EQ(book.UsersOn("vpn/a"), 50);
  EXPECT_EQ(book.UsersOn("vpn/b"), 50);
}

TEST(PlacementBookTest, AMoveRefusedASlotIsNotCounted) {
  PlacementBook book;
  book.Observe("vpn/alice", "vpn/a");
  balancer::NodeView a = Node("a", 10), b = Node("b", 10);
  a.evacuate_reason = "NodeDraining";
  auto p = book.Place("vpn", "vpn/alice", User("alice", "a"), {a, b}, balancer::PlacementPolicy{}, [] { return false; });
  EXPECT_TRUE(p.waits_for_slot);
  EXPECT_EQ(book.UsersOn("vpn/a"), 1);
  EXPECT_EQ(book.UsersOn("vpn/b"), 0);
}

TEST(PlacementBookTest, AnAbandonedMoveCountsTheUserOnItsSourceAndFailsTheRequest) {
  PlacementBook book;
  book.RequestMove("vpn/alice", "b");
  auto p = book.Place("vpn", "vpn/alice", User("alice", "a"), {Node("a", 10), Node("b", 10)},
                      balancer::PlacementPolicy{}, [] { return true; });
  ASSERT_EQ(p.decision.kind, PlacementDecision::Kind::kMove);
  EXPECT_EQ(book.UsersOn("vpn/b"), 1);
  book.Abandon("vpn/alice", "vpn/a", "refused");
  EXPECT_EQ(book.UsersOn("vpn/a"), 1);
  EXPECT_EQ(book.UsersOn("vpn/b"), 0);
  EXPECT_EQ(book.MoveRequestOf("vpn/alice")->state, MoveRequest::State::kFailed);
  EXPECT_EQ(book.MoveRequestOf("vpn/alice")->message, "refused");
}

TEST(PlacementBookTest, ForgetSaysWhetherAMoveWasInFlight) {
  PlacementBook book;
  book.KeepMoveInFlight("vpn/alice", {"m1", "a", "b", "NodeDraining", {}});
  book.Observe("vpn/alice", "vpn/b");
  EXPECT_TRUE(book.Forget("vpn/alice"));
  EXPECT_FALSE(book.Forget("vpn/alice"));
  EXPECT_EQ(book.UsersOn("vpn/b"), 0);
  EXPECT_FALSE(book.TakeMoveInFlight("vpn/alice").has_value());
}

}  // namespace
}  // namespace x3ui::controller
