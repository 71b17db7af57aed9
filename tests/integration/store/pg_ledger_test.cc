// PostgreSQL-only behaviours: concurrency against the real index, a restarted operator reading
// its journal back, and a database restart in the middle of queued writes.
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "pkg/store/pg_ledger_store.h"
#include "pkg/store/write_queue.h"
#include "tests/integration/store/test_database.h"

namespace x3ui::store {
namespace {

using namespace std::chrono_literals;

PlacementRecord P(const std::string& user, const std::string& node) {
  return {"vpn", user, "id-" + user, user + "@example.com", node, "Balanced"};
}

std::unique_ptr<PgLedgerStore> Open(const std::string& dsn) {
  auto s = PgLedgerStore::Open(dsn);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(PgLedgerTest, OneActiveRowUnderEightConcurrentWriters) {
  testing::TestDatabase db;
  constexpr int kUsers = 40, kWriters = 8, kRounds = 150;
  {
    auto setup = Open(db.dsn());
    std::vector<PlacementRecord> all;
    for (int u = 0; u < kUsers; ++u) all.push_back(P("u" + std::to_string(u), "n0"));
    ASSERT_TRUE(setup->RecordPlacements(all).ok());
  }
  std::atomic<int> switched{0}, conflicts{0}, other{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto store = Open(db.dsn());  // its own connection, like another replica
      std::mt19937 rng(w);
      for (int i = 0; i < kRounds; ++i) {
        std::string user = "u" + std::to_string(rng() % kUsers);
        auto cur = store->ActivePlacement("vpn", user);
        if (!cur.ok() || !cur->has_value()) {
          ++other;
          continue;
        }
        std::string to = "n" + std::to_string(1 + rng() % 4);
        Status s = store->SwitchPlacement(P(user, to), (*cur)->record.node, "");
        if (s.ok()) {
          ++switched;
        } else if (s.code() == Status::Code::kConflict) {
          ++conflicts;
        } else {
          ++other;
          ADD_FAILURE() << s.ToString();
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  auto per_user = db.Query(
      "SELECT assignment, count(*) FILTER (WHERE active), count(*) FILTER (WHERE NOT active AND released_at IS NULL) "
      "FROM user_node_assignments GROUP BY assignment");
  ASSERT_EQ(per_user.size(), static_cast<size_t>(kUsers));
  for (const auto& row : per_user) {
    EXPECT_EQ(row[1].as<int>(), 1) << row[0].as<std::string>() << " has not exactly one active row";
    EXPECT_EQ(row[2].as<int>(), 0);
  }
  EXPECT_GT(switched.load(), 0);
  EXPECT_EQ(other.load(), 0);
  RecordProperty("switched", switched.load());
  RecordProperty("conflicts", conflicts.load());
}

TEST(PgLedgerTest, RestartedOperatorReadsItsJournalBack) {
  testing::TestDatabase db;
  {
    auto before = Open(db.dsn());
    ASSERT_TRUE(before->RecordPlacements({P("a", "n1"), P("b", "n1"), P("c", "n1")}).ok());
    ASSERT_TRUE(before->BeginMove({"m-a", "vpn", "a", "n1", "n2", "NodeDraining"}).ok());
    ASSERT_TRUE(before->BeginMove({"m-b", "vpn", "b", "n1", "n2", "NodeDraining"}).ok());
    ASSERT_TRUE(before->AdvanceMove("m-b", MoveStep::kAddedOnTarget).ok());
    ASSERT_TRUE(before->BeginMove({"m-c", "vpn", "c", "n1", "n2", "NodeDraining"}).ok());
    ASSERT_TRUE(before->AdvanceMove("m-c", MoveStep::kAddedOnTarget).ok());
    ASSERT_TRUE(before->SwitchPlacement(P("c", "n2"), "n1", "m-c").ok());
    ASSERT_TRUE(before->AddPendingRemoval({0, "vpn", "n1", "c@x3ui", "c", "NodeDraining"}).ok());
  }  // the operator dies here
  auto after = Open(db.dsn());
  auto snap = after->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->open_moves.size(), 3u);
  EXPECT_EQ(snap->open_moves[0].step, MoveStep::kPlanned);
  EXPECT_EQ(snap->open_moves[1].step, MoveStep::kAddedOnTarget);
  EXPECT_EQ(snap->open_moves[2].step, MoveStep::kSwitched);
  ASSERT_EQ(snap->pending_removals.size(), 1u);
  // Finish or roll back each, as the migration reconciler will.
  ASSERT_TRUE(after->AdvanceMove("m-a", MoveStep::kRolledBack).ok());
  ASSERT_TRUE(after->SwitchPlacement(P("b", "n2"), "n1", "m-b").ok());
  ASSERT_TRUE(after->AdvanceMove("m-b", MoveStep::kDone).ok());
  ASSERT_TRUE(after->AdvanceMove("m-c", MoveStep::kDone).ok());
  EXPECT_TRUE(after->OpenMoves()->empty());
  EXPECT_EQ((*after->ActivePlacement("vpn", "a"))->record.node, "n1");
  EXPECT_EQ((*after->ActivePlacement("vpn", "b"))->record.node, "n2");
  EXPECT_EQ((*after->ActivePlacement("vpn", "c"))->record.node, "n2");
}

TEST(PgLedgerTest, DatabaseRestartInTheMiddleOfABatchLosesAndDoublesNothing) {
  testing::PrivateServer server;
  auto store = Open(server.dsn());
  ASSERT_NE(store, nullptr);
  std::vector<std::string> errors;
  LedgerWriteQueue queue(store.get(), {.initial_backoff = 20ms, .max_backoff = 200ms, .max_batch = 500},
                         [&](const std::string& what, const Status& s) { errors.push_back(what + ": " + s.ToString()); });
  constexpr int kFirst = 2000, kSecond = 1000;
  for (int i = 0; i < kFirst; ++i) queue.RecordPlacement(P("u" + std::to_string(i), "n" + std::to_string(i % 5)));
  server.Stop();  // batches are in flight or queued
  for (int i = kFirst; i < kFirst + kSecond; ++i) {
    queue.RecordPlacement(P("u" + std::to_string(i), "n" + std::to_string(i % 5)));
  }
  // Wait (with a deadline) until the queue has noticed the outage.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (queue.Healthy() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(queue.Healthy());
  EXPECT_GT(queue.Pending(), 0u);
  server.Start();
  ASSERT_TRUE(queue.Drain(60s)) << queue.Pending() << " writes still pending: " << queue.LastError().ToString();
  EXPECT_TRUE(queue.Healthy());
  EXPECT_TRUE(errors.empty()) << errors.front();
  pqxx::connection c(server.dsn());
  pqxx::nontransaction w(c);
  auto r = w.exec("SELECT count(*), count(DISTINCT assignment), count(*) FILTER (WHERE active) FROM user_node_assignments");
  EXPECT_EQ(r[0][0].as<int>(), kFirst + kSecond) << "no row doubled";
  EXPECT_EQ(r[0][1].as<int>(), kFirst + kSecond) << "no user lost";
  EXPECT_EQ(r[0][2].as<int>(), kFirst + kSecond);
}

// Shutdown (SIGTERM) right after a burst of placements: destroying the queue drains it into the
// real database within its bound, so none of the burst is lost.
TEST(PgLedgerTest, ShutdownDrainsQueuedWritesIntoTheDatabase) {
  testing::TestDatabase db;
  constexpr int kUsers = 300;
  auto store = Open(db.dsn());
  ASSERT_NE(store, nullptr);
  std::atomic<int> errors{0};
  {
    LedgerWriteQueue q(store.get(), {.max_batch = 20, .close_drain = std::chrono::milliseconds(30000)},
                       [&](const std::string&, const Status&) { ++errors; });
    // Writes that are not merged: one round trip each, so the burst takes a while to apply.
    for (int u = 0; u < kUsers; ++u) {
      PlacementRecord p = P("u" + std::to_string(u), "n1");
      q.Enqueue("placement " + p.assignment, [p](LedgerStore& s) { return s.RecordPlacements({p}); });
    }
    ASSERT_GT(q.Pending(), 0u) << "the burst must still be queued when the queue is destroyed";
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(db.Query("SELECT count(*) FROM user_node_assignments WHERE active")[0][0].as<int>(), kUsers);
}

}  // namespace
}  // namespace x3ui::store
