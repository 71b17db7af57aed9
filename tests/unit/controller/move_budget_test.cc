// MoveBudget: never more than the limit in flight; refused users come back in order as slots free.
#include "controller/move_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace x3ui::controller {
namespace {

TEST(MoveBudgetTest, RefusedUsersAreHandedBackInOrderAsSlotsFree) {
  MoveBudget b(2);
  EXPECT_TRUE(b.TryAcquire("a"));
  EXPECT_TRUE(b.TryAcquire("b"));
  EXPECT_TRUE(b.TryAcquire("a")) << "a holder asking again keeps its one slot";
  EXPECT_FALSE(b.TryAcquire("c"));
  EXPECT_FALSE(b.TryAcquire("d"));
  EXPECT_FALSE(b.TryAcquire("c")) << "waiting once is enough";
  EXPECT_EQ(b.in_flight(), 2);
  EXPECT_EQ(b.waiting(), 2);
  EXPECT_EQ(b.Release("a"), "c");
  EXPECT_TRUE(b.TryAcquire("c"));
  EXPECT_EQ(b.Release("zz"), std::nullopt) << "no slot held: nothing freed";
  EXPECT_EQ(b.Release("b"), "d");
  EXPECT_EQ(b.Release("c"), std::nullopt);
  EXPECT_EQ(b.in_flight(), 0);
  EXPECT_EQ(b.waiting(), 0);
}

TEST(MoveBudgetTest, ConcurrentMovesNeverExceedTheLimit) {
  MoveBudget b(3);
  std::atomic<int> now{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string user = std::to_string(t) + "/" + std::to_string(i);
        if (!b.TryAcquire(user)) continue;
        int n = ++now;
        int p = peak.load();
        while (n > p && !peak.compare_exchange_weak(p, n)) {
        }
        --now;
        b.Release(user);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 1);
  EXPECT_EQ(b.in_flight(), 0);
}

}  // namespace
}  // namespace x3ui::controller
