// File: pkg/store/pg_ledger_store.h
//
// LedgerStore on PostgreSQL 15 through libpqxx. Open() connects and applies the schema
// migrations. Calls run on a small pool of sessions (PgConnectionPool): concurrent callers do
// not wait for each other's I/O, every session has a connect timeout, TCP keepalives and a
// statement_timeout, and every call a client-side deadline, so a database that stops answering
// turns into Unavailable / DeadlineExceeded errors, not a stalled caller. A dropped session
// makes the failing call return that error and the next call reconnects. Batches go
// out as one parameterised statement over unnest()ed arrays, so recording 10,000 placements is
// one round trip.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef X3UI_PKG_STORE_PG_LEDGER_STORE_H_
#define X3UI_PKG_STORE_PG_LEDGER_STORE_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <memory>
#include <string>

#include "pkg/store/ledger_store.h"
#include "pkg/store/pg_connection_pool.h"

namespace x3ui::store {

inline constexpr char kReasonSchemaBeingApplied[] = "SchemaBeingApplied";

class PgLedgerStore final : public LedgerStore {
 public:
  // Connects to `dsn` (a libpq URI or key=value string) and migrates the schema. The caller owns
  // the result. Errors never contain the password, and a string libpq cannot read is reported
  // without quoting any of it.
  static Result<std::unique_ptr<PgLedgerStore>> Open(const std::string& dsn, PgOptions options = {});
  // Like Open, but a database that cannot be reached or migrated now is not an error: the store
  // is returned anyway and the first call that reaches the database applies the schema first
  // (a call before that fails with the reason). Only a connection string libpq cannot read is
  // refused. This is how the operator starts during a database outage.
  static Result<std::unique_ptr<PgLedgerStore>> OpenWhenReachable(const std::string& dsn, PgOptions options = {});
  // Ok once the schema is applied; else why it is not yet.
  Status SchemaStatus() const;
  // Applies the schema unless that was done. One caller migrates; the others, meanwhile, fail
  // at once with Unavailable (reason kReasonSchemaBeingApplied) rather than queue up behind a
  // database that may not answer.
  Status EnsureSchema();

  ~PgLedgerStore() override;
  PgLedgerStore(const PgLedgerStore&) = delete;
  PgLedgerStore& operator=(const PgLedgerStore&) = delete;

  Status UpsertNodes(const std::vector<NodeRow>& nodes) override;
  Status DeleteNode(const std::string& namespace_, const std::string& name) override;
  Status RecordPlacements(const std::vector<PlacementRecord>& placements) override;
  Status SwitchPlacement(const PlacementRecord& to, const std::string& from_node, const std::string& move_id) override;
  Status ReleasePlacement(const std::string& namespace_, const std::string& assignment,
                          const std::string& reason) override;
  Result<std::optional<PlacementRow>> ActivePlacement(const std::string& namespace_,
                                                      const std::string& assignment) override;
  Result<std::vector<PlacementRow>> ActivePlacementsOnNode(const std::string& namespace_,
                                                           const std::string& node) override;
  Result<std::vector<PlacementRow>> PlacementHistory(const std::string& namespace_,
                                                     const std::string& assignment) override;
  Status BeginMove(const JournalEntry& move) override;
  Status AdvanceMove(const std::string& move_id, MoveStep step) override;
  Result<std::vector<JournalEntry>> OpenMoves() override;
  Status AddPendingRemoval(const PendingRemoval& removal) override;
  Result<std::vector<PendingRemoval>> PendingRemovals(const std::string& namespace_, const std::string& node) override;
  Status CompletePendingRemoval(int64_t id) override;
  Status RecordRemovalFailure(int64_t id, const std::string& error) override;
  Result<LedgerSnapshot> LoadSnapshot() override;

 private:
  explicit PgLedgerStore(std::unique_ptr<PgConnectionPool> pool);
  // Runs `fn` on a pooled session, mapping exceptions to Status, once the schema is applied.
  Status With(const std::string& what, const PgConnectionPool::Work& fn);

  const std::unique_ptr<PgConnectionPool> pool_;
  std::atomic<bool> schema_ready_{false};
  std::mutex migrating_;          // held (try_lock) by the one caller applying the schema
  mutable std::mutex error_mu_;   // guards schema_error_; never held across I/O
  Status schema_error_ = Status::Unavailable("the ledger's schema is not applied yet");
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_PG_LEDGER_STORE_H_
