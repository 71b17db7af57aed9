#include "pkg/store/write_queue.h"

#include <gtest/gtest.h>

#include "pkg/store/memory_ledger_store.h"

namespace x3ui::store {
namespace {

using namespace std::chrono_literals;

PlacementRecord P(const std::string& user, const std::string& node) {
  return {"vpn", user, "id-" + user, user + "@example.com", node, "Balanced"};
}

class WriteQueueTest : public ::testing::Test {
 protected:
  FakeClock clock_{TimePoint{}};
  MemoryLedgerStore store_{&clock_};
  std::mutex errors_mu_;
  std::vector<std::string> errors_;
  LedgerWriteQueue::ErrorHandler OnError() {
    return [this](const std::string& what, const Status& s) {
      std::lock_guard<std::mutex> l(errors_mu_);
      errors_.push_back(what + ": " + s.message());
    };
  }
};

TEST_F(WriteQueueTest, MergesAdjacentPlacementsIntoOneWrite) {
  store_.SetAvailable(false);  // hold everything until all are queued
  LedgerWriteQueue q(&store_, {.initial_backoff = 1ms, .max_backoff = 5ms}, OnError());
  for (int i = 0; i < 100; ++i) q.RecordPlacement(P("u" + std::to_string(i), "n1"));
  store_.SetAvailable(true);
  ASSERT_TRUE(q.Drain(10s));
  EXPECT_EQ(store_.writes(), 1) << "100 placements, one RecordPlacements";
  auto on = store_.ActivePlacementsOnNode("vpn", "n1");
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->size(), 100u);
}

TEST_F(WriteQueueTest, OutageHoldsWritesInOrderAndReportsUnhealthy) {
  store_.SetAvailable(false);
  LedgerWriteQueue q(&store_, {.initial_backoff = 1ms, .max_backoff = 5ms}, OnError());
  q.RecordPlacement(P("alice", "n1"));
  q.Enqueue("move alice", [](LedgerStore& s) { return s.SwitchPlacement(P("alice", "n2"), "n1", ""); });
  q.RecordPlacement(P("bob", "n1"));
  ASSERT_FALSE(q.Drain(50ms));
  EXPECT_FALSE(q.Healthy());
  EXPECT_EQ(q.Pending(), 3u);
  EXPECT_EQ(q.LastError().code(), Status::Code::kUnavailable);
  store_.SetAvailable(true);
  ASSERT_TRUE(q.Drain(10s));
  EXPECT_TRUE(q.Healthy());
  EXPECT_TRUE(q.LastError().ok());
  auto alice = store_.ActivePlacement("vpn", "alice");
  ASSERT_TRUE(alice.ok() && alice->has_value());
  EXPECT_EQ((*alice)->record.node, "n2") << "the switch ran after the placement it depends on";
  auto bob = store_.ActivePlacement("vpn", "bob");
  ASSERT_TRUE(bob.ok() && bob->has_value());
  EXPECT_TRUE(errors_.empty());
}

TEST_F(WriteQueueTest, RefusedWriteIsReportedAndOnlyItIsDropped) {
  ASSERT_TRUE(store_.RecordPlacements({P("carol", "n9")}).ok());
  store_.SetAvailable(false);
  LedgerWriteQueue q(&store_, {.initial_backoff = 1ms, .max_backoff = 5ms}, OnError());
  q.RecordPlacement(P("a", "n1"));
  q.RecordPlacement(P("carol", "n1"));  // carol is active on n9: Conflict
  q.RecordPlacement(P("b", "n1"));
  store_.SetAvailable(true);
  ASSERT_TRUE(q.Drain(10s));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("placement of vpn/carol on n1"), std::string::npos) << errors_[0];
  EXPECT_NE(errors_[0].find("is active on n9"), std::string::npos) << errors_[0];
  auto on = store_.ActivePlacementsOnNode("vpn", "n1");
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->size(), 2u);
}

TEST_F(WriteQueueTest, SecondPlacementOfSameUserIsNotMergedWithTheFirst) {
  store_.SetAvailable(false);
  LedgerWriteQueue q(&store_, {.initial_backoff = 1ms, .max_backoff = 5ms}, OnError());
  q.RecordPlacement(P("a", "n1"));
  q.RecordPlacement(P("a", "n1"));
  store_.SetAvailable(true);
  ASSERT_TRUE(q.Drain(10s));
  EXPECT_TRUE(errors_.empty()) << errors_[0];
  auto hist = store_.PlacementHistory("vpn", "a");
  ASSERT_TRUE(hist.ok());
  EXPECT_EQ(hist->size(), 1u) << "the repeat is idempotent";
}

// A database outage long enough to fill the queue: new writes are dropped (the producer never
// blocks), each drop counted, the first of the episode reported; what was queued before the cap
// is applied in order once the database is back.
TEST_F(WriteQueueTest, AtTheCapNewWritesAreDroppedCountedAndReportedOnce) {
  store_.SetAvailable(false);
  std::atomic<int> dropped_metric{0};
  LedgerWriteQueue q(&store_,
                     {.initial_backoff = 1ms, .max_backoff = 5ms, .max_pending = 10,
                      .on_dropped = [&] { ++dropped_metric; }, .close_drain = 50ms},
                     OnError());
  for (int i = 0; i < 25; ++i) q.RecordPlacement(P("u" + std::to_string(i), "n1"));
  EXPECT_EQ(q.Pending(), 10u) << "held at the cap";
  EXPECT_EQ(q.Dropped(), 15u);
  EXPECT_EQ(dropped_metric.load(), 15);
  {
    std::lock_guard<std::mutex> l(errors_mu_);
    ASSERT_EQ(errors_.size(), 1u) << "one report per episode, not one per write";
    EXPECT_NE(errors_[0].find("placement of vpn/u10 on n1"), std::string::npos) << errors_[0];
    EXPECT_NE(errors_[0].find("write queue is full"), std::string::npos) << errors_[0];
  }
  store_.SetAvailable(true);
  ASSERT_TRUE(q.Drain(10s));
  auto on = store_.ActivePlacementsOnNode("vpn", "n1");
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->size(), 10u) << "the ten queued before the cap";
  // Below the cap again: a new episode is reported again.
  store_.SetAvailable(false);
  for (int i = 100; i < 112; ++i) q.RecordPlacement(P("u" + std::to_string(i), "n1"));
  std::lock_guard<std::mutex> l(errors_mu_);
  EXPECT_EQ(errors_.size(), 2u);
}

// Close drains for its bound at most; what is left is reported, not silently lost.
TEST_F(WriteQueueTest, CloseReportsWritesLeftAfterItsDeadline) {
  store_.SetAvailable(false);
  LedgerWriteQueue q(&store_, {.initial_backoff = 1ms, .max_backoff = 5ms}, OnError());
  for (int i = 0; i < 3; ++i) q.RecordPlacement(P("u" + std::to_string(i), "n1"));
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(q.Close(100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "bounded";
  std::lock_guard<std::mutex> l(errors_mu_);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("3 ledger write(s) not applied"), std::string::npos) << errors_[0];
}

}  // namespace
}  // namespace x3ui::store
