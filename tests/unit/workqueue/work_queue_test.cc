#include "pkg/workqueue/work_queue.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/wait.h"

namespace x3ui::workqueue {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<RateLimiter> Fast() { return std::make_unique<ItemExponentialRateLimiter>(1ms, 50ms); }

TEST(RateLimiterTest, ExponentialPerItemWithCap) {
  ItemExponentialRateLimiter r(5ms, 1000s);
  EXPECT_EQ(r.When("a"), 5ms);
  EXPECT_EQ(r.When("a"), 10ms);
  EXPECT_EQ(r.When("a"), 20ms);
  EXPECT_EQ(r.When("b"), 5ms) << "per item";
  EXPECT_EQ(r.NumRequeues("a"), 3);
  r.Forget("a");
  EXPECT_EQ(r.When("a"), 5ms);
  for (int i = 0; i < 40; ++i) r.When("c");
  EXPECT_EQ(r.When("c"), std::chrono::nanoseconds(1000s)) << "capped at 1000 s";
}

TEST(RateLimiterTest, DefaultIsMaxOfItemBackoffAndOverallBucket) {
  FakeClock clock(TimePoint{});
  auto r = DefaultControllerRateLimiter(&clock);
  // The bucket starts full with 100 tokens: the first 100 distinct keys wait only their 5 ms.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(r->When("k" + std::to_string(i)), 5ms);
  // The 101st waits for a token at 10 qps: 100 ms.
  EXPECT_EQ(r->When("k100"), 100ms);
}

TEST(WorkQueueTest, DeduplicatesWaitingKeys) {
  WorkQueue q("test", Fast());
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
}

TEST(WorkQueueTest, KeyAddedWhileProcessingRunsAgainOnlyAfterDone) {
  WorkQueue q("test", Fast());
  q.Add("a");
  auto k = q.Get();
  q.Add("a");  // while a worker holds it
  EXPECT_EQ(q.Len(), 0u) << "not handed to a second worker";
  q.Done(*k);
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(*q.Get(), "a");
}

TEST(WorkQueueTest, NeverTwoWorkersOnOneKey) {
  WorkQueue q("test", Fast());
  std::atomic<int> in_flight{0}, max_in_flight{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.Get()) {
        int now = ++in_flight;
        int prev = max_in_flight.load();
        while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::sleep_for(1ms);  // work, not synchronisation
        --in_flight;
        ++processed;
        q.Done(*k);
      }
    });
  }
  for (int i = 0; i < 200; ++i) q.Add("same");
  ASSERT_TRUE(testing::Eventually([&] { return q.Len() == 0 && in_flight == 0; }));
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(max_in_flight.load(), 1);
  EXPECT_GE(processed.load(), 1);
}

TEST(WorkQueueTest, AddAfterAndRateLimitedAddsArriveLater) {
  WorkQueue q("test", Fast());
  auto start = std::chrono::steady_clock::now();
  q.AddAfter("later", 30ms);
  q.AddRateLimited("retry");  // 1 ms
  EXPECT_EQ(*q.Get(), "retry");
  EXPECT_EQ(*q.Get(), "later");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(q.retries(), 1);
  EXPECT_EQ(q.NumRequeues("retry"), 1);
  q.Forget("retry");
  EXPECT_EQ(q.NumRequeues("retry"), 0);
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForInFlightWork) {
  WorkQueue q("test", Fast());
  q.Add("a");
  auto k = q.Get();
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    std::this_thread::sleep_for(50ms);  // the work in flight
    finished = true;
    q.Done(*k);
  });
  EXPECT_TRUE(q.ShutDownWithDrain(5s));
  EXPECT_TRUE(finished.load()) << "drain returned before the in-flight key was done";
  EXPECT_FALSE(q.Get().has_value()) << "no work after shutdown";
  q.Add("b");
  EXPECT_EQ(q.Len(), 0u) << "adds after shutdown are ignored";
  worker.join();
}

}  // namespace
}  // namespace x3ui::workqueue
