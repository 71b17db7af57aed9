// The same table of behaviours against the PostgreSQL store and the in-memory fake, so the fake
// the reconcilers' unit tests use cannot drift from the real ledger.
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "pkg/store/memory_ledger_store.h"
#include "pkg/store/pg_ledger_store.h"
#include "tests/integration/store/test_database.h"

namespace x3ui::store {
namespace {

struct Backend {
  const char* name;
  bool postgres;
};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

PlacementRecord P(const std::string& user, const std::string& node, const std::string& reason = "Balanced") {
  return {"vpn", user, "id-" + user, user + "@example.com", node, reason};
}

class LedgerConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().postgres) {
      db_ = std::make_unique<testing::TestDatabase>();
      auto s = PgLedgerStore::Open(db_->dsn());
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      store_ = std::move(s).value();
    } else {
      store_ = std::make_unique<MemoryLedgerStore>(&clock_);
    }
  }

  std::string ActiveNode(const std::string& user) {
    auto r = store_->ActivePlacement("vpn", user);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->has_value() ? (*r)->record.node : "";
  }

  FakeClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 50)};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<LedgerStore> store_;
};

TEST_P(LedgerConformanceTest, RecordIsIdempotent) {
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1"), P("bob", "n2"), P("carol", "n1")}).ok());
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1"), P("dave", "n2")}).ok()) << "repeat after unknown outcome";
  EXPECT_EQ(ActiveNode("alice"), "n1");
  EXPECT_EQ(ActiveNode("dave"), "n2");
  auto hist = store_->PlacementHistory("vpn", "alice");
  ASSERT_TRUE(hist.ok());
  EXPECT_EQ(hist->size(), 1u);
  auto on = store_->ActivePlacementsOnNode("vpn", "n1");
  ASSERT_TRUE(on.ok());
  ASSERT_EQ(on->size(), 2u);
  EXPECT_EQ((*on)[0].record, P("alice", "n1"));
  EXPECT_EQ((*on)[1].record.assignment, "carol");
  EXPECT_TRUE((*on)[0].active);
  EXPECT_FALSE((*on)[0].released_at.has_value());
}

TEST_P(LedgerConformanceTest, RecordConflictIsAllOrNothing) {
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1")}).ok());
  Status s = store_->RecordPlacements({P("erin", "n2"), P("alice", "n2")});
  EXPECT_EQ(s.code(), Status::Code::kConflict);
  EXPECT_NE(s.message().find("vpn/alice is active on n1"), std::string::npos) << s.message();
  EXPECT_EQ(ActiveNode("erin"), "") << "nothing of a refused batch is written";
  EXPECT_EQ(ActiveNode("alice"), "n1");
}

TEST_P(LedgerConformanceTest, DuplicateUserInOneBatchIsRefused) {
  Status s = store_->RecordPlacements({P("alice", "n1"), P("alice", "n2")});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
}

TEST_P(LedgerConformanceTest, SwitchReleasesOldRowAndActivatesNew) {
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1")}).ok());
  ASSERT_TRUE(store_->SwitchPlacement(P("alice", "n2", "NodeDraining"), "n1", "").ok());
  ASSERT_TRUE(store_->SwitchPlacement(P("alice", "n2", "NodeDraining"), "n1", "").ok()) << "idempotent";
  EXPECT_EQ(ActiveNode("alice"), "n2");
  auto hist = store_->PlacementHistory("vpn", "alice");
  ASSERT_TRUE(hist.ok());
  ASSERT_EQ(hist->size(), 2u);
  EXPECT_FALSE((*hist)[0].active);
  EXPECT_TRUE((*hist)[0].released_at.has_value());
  EXPECT_EQ((*hist)[0].record.node, "n1");
  EXPECT_TRUE((*hist)[1].active);
  EXPECT_EQ((*hist)[1].record.reason, "NodeDraining");
}

TEST_P(LedgerConformanceTest, SwitchFromTheWrongNodeIsAConflict) {
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1")}).ok());
  Status s = store_->SwitchPlacement(P("alice", "n3"), "n2", "");
  EXPECT_EQ(s.code(), Status::Code::kConflict);
  EXPECT_NE(s.message().find("is active on n1, not on n2"), std::string::npos) << s.message();
  EXPECT_EQ(store_->SwitchPlacement(P("nobody", "n3"), "n2", "").code(), Status::Code::kConflict);
  EXPECT_EQ(ActiveNode("alice"), "n1");
}

TEST_P(LedgerConformanceTest, ReleaseKeepsHistory) {
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1")}).ok());
  ASSERT_TRUE(store_->ReleasePlacement("vpn", "alice", "AssignmentDeleted").ok());
  ASSERT_TRUE(store_->ReleasePlacement("vpn", "alice", "AssignmentDeleted").ok()) << "idempotent";
  EXPECT_EQ(ActiveNode("alice"), "");
  auto hist = store_->PlacementHistory("vpn", "alice");
  ASSERT_TRUE(hist.ok());
  ASSERT_EQ(hist->size(), 1u);
  EXPECT_EQ((*hist)[0].record.reason, "AssignmentDeleted");
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n2")}).ok()) << "a released user can be placed again";
  EXPECT_EQ(ActiveNode("alice"), "n2");
}

TEST_P(LedgerConformanceTest, JournalMovesOnlyForward) {
  JournalEntry m{"move-1", "vpn", "alice", "n1", "n2", "NodeDraining"};
  ASSERT_TRUE(store_->BeginMove(m).ok());
  ASSERT_TRUE(store_->BeginMove(m).ok()) << "same move id: no-op";
  JournalEntry other = m;
  other.move_id = "move-2";
  EXPECT_EQ(store_->BeginMove(other).code(), Status::Code::kAlreadyExists) << "one open move per user";
  ASSERT_TRUE(store_->AdvanceMove("move-1", MoveStep::kAddedOnTarget).ok());
  ASSERT_TRUE(store_->AdvanceMove("move-1", MoveStep::kPlanned).ok()) << "backwards is a no-op";
  auto open = store_->OpenMoves();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].step, MoveStep::kAddedOnTarget);
  EXPECT_EQ((*open)[0].to_node, "n2");
  ASSERT_TRUE(store_->AdvanceMove("move-1", MoveStep::kDone).ok());
  ASSERT_TRUE(store_->AdvanceMove("move-1", MoveStep::kRolledBack).ok()) << "a finished move stays finished";
  open = store_->OpenMoves();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
  EXPECT_TRUE(store_->BeginMove(other).ok()) << "the user may move again";
  EXPECT_EQ(store_->AdvanceMove("no-such-move", MoveStep::kDone).code(), Status::Code::kNotFound);
}

TEST_P(LedgerConformanceTest, SwitchWithMoveIdAdvancesTheJournal) {
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1")}).ok());
  ASSERT_TRUE(store_->BeginMove({"m", "vpn", "alice", "n1", "n2", "Pinned"}).ok());
  ASSERT_TRUE(store_->AdvanceMove("m", MoveStep::kAddedOnTarget).ok());
  ASSERT_TRUE(store_->SwitchPlacement(P("alice", "n2", "Pinned"), "n1", "m").ok());
  auto open = store_->OpenMoves();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].step, MoveStep::kSwitched);
  EXPECT_EQ(ActiveNode("alice"), "n2");
}

TEST_P(LedgerConformanceTest, PendingRemovals) {
  PendingRemoval r{0, "vpn", "n1", "x3ui-alice@vpn", "alice", "NodeUnreachable"};
  ASSERT_TRUE(store_->AddPendingRemoval(r).ok());
  ASSERT_TRUE(store_->AddPendingRemoval(r).ok()) << "idempotent";
  auto list = store_->PendingRemovals("vpn", "n1");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  ASSERT_TRUE(store_->RecordRemovalFailure((*list)[0].id, "connection refused").ok());
  list = store_->PendingRemovals("vpn", "n1");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[0].attempts, 1);
  EXPECT_EQ((*list)[0].last_error, "connection refused");
  EXPECT_TRUE(store_->PendingRemovals("vpn", "n2")->empty());
  ASSERT_TRUE(store_->CompletePendingRemoval((*list)[0].id).ok());
  EXPECT_TRUE(store_->PendingRemovals("vpn", "n1")->empty());
}

TEST_P(LedgerConformanceTest, NodesUpsertAndSnapshot) {
  TimePoint t = TimePoint{} + std::chrono::microseconds(1764000000123456);
  NodeRow n{"vpn", "n1", "https://n1/", "n1.example.com", 100, 10, 2, "eu", "Ready", t};
  NodeRow m{"vpn", "n2", "https://n2/", "n2.example.com", 50, 5, 1, "us", "Pending", std::nullopt};
  ASSERT_TRUE(store_->UpsertNodes({n, m}).ok());
  n.status = "Degraded";
  ASSERT_TRUE(store_->UpsertNodes({n}).ok());
  ASSERT_TRUE(store_->RecordPlacements({P("alice", "n1")}).ok());
  ASSERT_TRUE(store_->BeginMove({"m1", "vpn", "alice", "n1", "n2", "NodeDraining"}).ok());
  ASSERT_TRUE(store_->AddPendingRemoval({0, "vpn", "n2", "x@y", "bob", ""}).ok());
  auto snap = store_->LoadSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  ASSERT_EQ(snap->nodes.size(), 2u);
  EXPECT_EQ(snap->nodes[0], n) << "times survive to the microsecond";
  EXPECT_EQ(snap->nodes[1], m);
  ASSERT_EQ(snap->active_placements.size(), 1u);
  EXPECT_EQ(snap->open_moves.size(), 1u);
  EXPECT_EQ(snap->pending_removals.size(), 1u);
  ASSERT_TRUE(store_->DeleteNode("vpn", "n2").ok());
  EXPECT_EQ(store_->LoadSnapshot()->nodes.size(), 1u);
}

TEST_P(LedgerConformanceTest, HostileTextIsStoredUnchanged) {
  const std::vector<std::string> nasty = {
      "o'brien@example.com",        "\"quoted\"@example.com", "back\\slash@example.com",
      "{brace},comma@example.com",  "x'); DROP TABLE user_node_assignments; --",
      "NULL",                       "юникод@пример.рф",       "tab\tand\nnewline",
      "$1 $2 %s %n",                "",
  };
  std::vector<PlacementRecord> batch;
  for (size_t i = 0; i < nasty.size(); ++i) {
    batch.push_back({"vpn", "user-" + std::to_string(i), nasty[i], nasty[i], "n1", nasty[i]});
  }
  ASSERT_TRUE(store_->RecordPlacements(batch).ok());
  for (size_t i = 0; i < nasty.size(); ++i) {
    auto r = store_->ActivePlacement("vpn", "user-" + std::to_string(i));
    ASSERT_TRUE(r.ok() && r->has_value()) << i;
    EXPECT_EQ((*r)->record, batch[i]) << i;
  }
  PlacementRecord nul = P("nul", "n1");
  nul.user_email = std::string("a\0b", 3);
  EXPECT_EQ(store_->RecordPlacements({nul}).code(), Status::Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerConformanceTest,
                         ::testing::Values(Backend{"Memory", false}, Backend{"Postgres", true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace x3ui::store
