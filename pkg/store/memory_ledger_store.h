// File: pkg/store/memory_ledger_store.h
//
// An in-memory LedgerStore for unit tests of the reconcilers. It keeps the same rules as the
// PostgreSQL store (one active placement per user, idempotent writes, forward-only journal) and
// is checked against the same conformance tests, so the two cannot drift. SetAvailable(false)
// makes every call fail with Unavailable, as a database outage would.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef X3UI_PKG_STORE_MEMORY_LEDGER_STORE_H_
#define X3UI_PKG_STORE_MEMORY_LEDGER_STORE_H_

#include <atomic>
#include <map>
#include <mutex>

#include "pkg/store/ledger_store.h"

namespace x3ui::store {

class MemoryLedgerStore final : public LedgerStore {
 public:
  // `clock` is borrowed and must outlive the store.
  explicit MemoryLedgerStore(const Clock* clock) : clock_(clock) {}

  // While false, every call returns Unavailable and changes nothing.
  void SetAvailable(bool available) { available_ = available; }
  // Number of calls that changed stored state.
  int64_t writes() const { return writes_; }

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
  using Key = std::pair<std::string, std::string>;  // (namespace, name)

  Status Down() const;
  PlacementRow* Active(const std::string& namespace_, const std::string& assignment);  // REQUIRES: mu_
  Status AdvanceLocked(const std::string& move_id, MoveStep step);                     // REQUIRES: mu_
  std::vector<JournalEntry> OpenMovesLocked() const;                                   // REQUIRES: mu_

  const Clock* clock_;
  std::atomic<bool> available_{true};
  std::atomic<int64_t> writes_{0};
  mutable std::mutex mu_;
  std::map<Key, NodeRow> nodes_;
  std::vector<PlacementRow> placements_;  // every row, in id order
  std::map<std::string, JournalEntry> journal_;  // by move_id
  std::vector<std::string> journal_order_;
  std::map<int64_t, PendingRemoval> removals_;
  int64_t next_id_ = 1;
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_MEMORY_LEDGER_STORE_H_
