// File: pkg/store/pg_ledger_store.h
//
// LedgerStore on PostgreSQL 15 through libpqxx. Open() connects and applies the schema
// migrations. One connection, used by one call at a time (calls queue on a mutex); a dropped
// connection makes the failing call return Unavailable and the next call reconnects. Batches go
// out as one parameterised statement over unnest()ed arrays, so recording 10,000 placements is
// one round trip.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef X3UI_PKG_STORE_PG_LEDGER_STORE_H_
#define X3UI_PKG_STORE_PG_LEDGER_STORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "pkg/store/ledger_store.h"

namespace x3ui::store {

class PgLedgerStore final : public LedgerStore {
 public:
  // Connects to `dsn` (a libpq URI or key=value string) and migrates the schema. The caller owns
  // the result. Errors never contain the password.
  static Result<std::unique_ptr<PgLedgerStore>> Open(const std::string& dsn);

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
  struct Connection;  // wraps pqxx::connection, so libpqxx stays out of this header

  explicit PgLedgerStore(std::string dsn);
  // Runs `fn` on a connected session under mu_, mapping exceptions to Status; drops the session
  // when the database went away so that the next call reconnects.
  Status With(const std::string& what, const std::function<Status(Connection&)>& fn);

  const std::string dsn_;
  std::mutex mu_;
  std::unique_ptr<Connection> conn_;  // guarded by mu_; null while disconnected
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_PG_LEDGER_STORE_H_
