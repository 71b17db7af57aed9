// File: pkg/store/ledger_store.h
//
// LedgerStore: the PostgreSQL ledger the rest of the VPN service reads (which node serves which
// user) and that lets a restarted operator finish what it started (SPEC.md §4).
//
// Rows are keyed by Kubernetes identity: a node by (namespace, name) of its VpnNode, a user by
// (namespace, assignment) of its VpnAssignment. At most one placement per user is active; the
// database enforces it with a partial unique index, not only this code.
//
// Every write is idempotent, so a retry after an unknown outcome (the connection dropped before
// the commit was acknowledged) never duplicates a row:
//   - RecordPlacements skips users already active on the same node;
//   - SwitchPlacement succeeds without change when the user is already active on the target;
//   - BeginMove and AddPendingRemoval are keyed (move id; node + client email);
//   - AdvanceMove only moves a journal entry forward.
// Methods return Unavailable when the database cannot be reached, Conflict when the ledger says
// something else than the caller assumed (e.g. the user is active on a third node), and
// InvalidArgument for values PostgreSQL cannot store (a NUL byte).
//
// Thread-safety: implementations are safe to call from many threads.
#ifndef X3UI_PKG_STORE_LEDGER_STORE_H_
#define X3UI_PKG_STORE_LEDGER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkg/common/clock.h"
#include "pkg/common/status.h"

namespace x3ui::store {

// vpn_nodes: what the service needs to know of a node. No credentials, ever.
struct NodeRow {
  std::string namespace_;
  std::string name;
  std::string url;          // panel URL (credentials are refused in it by validation)
  std::string public_host;
  int64_t max_users = 0;
  int64_t priority = 0;
  int64_t weight = 1;
  std::string region;
  std::string status;       // the VpnNode phase
  std::optional<TimePoint> last_check;  // the probe that last changed this row
  bool operator==(const NodeRow&) const = default;
};

// What a placement records.
struct PlacementRecord {
  std::string namespace_;
  std::string assignment;  // VpnAssignment name
  std::string user_id;     // spec.user.id
  std::string user_email;  // spec.user.email
  std::string node;        // VpnNode name, same namespace
  std::string reason;      // Balanced, Pinned, NodeUnreachable, ...
  bool operator==(const PlacementRecord&) const = default;
};

// One row of user_node_assignments, active or released.
struct PlacementRow {
  int64_t id = 0;
  PlacementRecord record;
  TimePoint assigned_at;
  std::optional<TimePoint> released_at;
  bool active = true;
};

// Steps of a make-before-break move, in order; kDone and kRolledBack end it.
enum class MoveStep { kPlanned, kAddedOnTarget, kSwitched, kRemovedFromSource, kDone, kRolledBack };

const char* MoveStepName(MoveStep s);                      // "planned", "added-on-target", ...
std::optional<MoveStep> ParseMoveStep(const std::string& s);

// One row of migration_journal.
struct JournalEntry {
  std::string move_id;  // chosen by the operator; the idempotency key
  std::string namespace_;
  std::string assignment;
  std::string from_node;
  std::string to_node;
  std::string reason;
  MoveStep step = MoveStep::kPlanned;
  TimePoint updated_at;
};

// A client left on a node that was down when it should have been removed.
struct PendingRemoval {
  int64_t id = 0;
  std::string namespace_;
  std::string node;
  std::string client_email;  // how the client is found on the panel
  std::string assignment;
  std::string reason;
  int64_t attempts = 0;
  std::string last_error;
};

// Everything a starting operator reads back.
struct LedgerSnapshot {
  std::vector<NodeRow> nodes;
  std::vector<PlacementRow> active_placements;
  std::vector<JournalEntry> open_moves;  // not done, not rolled back
  std::vector<PendingRemoval> pending_removals;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  // Inserts or updates nodes in one round trip; rows equal to the stored ones are not written.
  virtual Status UpsertNodes(const std::vector<NodeRow>& nodes) = 0;
  virtual Status DeleteNode(const std::string& namespace_, const std::string& name) = 0;

  // Records new placements in one round trip. A user already active on the same node is left
  // as it is; one active on another node fails the whole batch with Conflict (use
  // SwitchPlacement), and nothing of the batch is written.
  virtual Status RecordPlacements(const std::vector<PlacementRecord>& placements) = 0;

  // Atomically releases the user's active row on `from_node` and activates `to` (to.node). If
  // `move_id` is non-empty the journal entry moves to kSwitched in the same transaction. Already
  // active on to.node: OK, no change. Active elsewhere, or not active at all: Conflict.
  virtual Status SwitchPlacement(const PlacementRecord& to, const std::string& from_node,
                                 const std::string& move_id) = 0;

  // Releases the user's active row, if any (the assignment was deleted).
  virtual Status ReleasePlacement(const std::string& namespace_, const std::string& assignment,
                                  const std::string& reason) = 0;

  virtual Result<std::optional<PlacementRow>> ActivePlacement(const std::string& namespace_,
                                                              const std::string& assignment) = 0;
  virtual Result<std::vector<PlacementRow>> ActivePlacementsOnNode(const std::string& namespace_,
                                                                   const std::string& node) = 0;
  // Every row, active or not, of one user, oldest first.
  virtual Result<std::vector<PlacementRow>> PlacementHistory(const std::string& namespace_,
                                                             const std::string& assignment) = 0;

  // Journals a planned move. The same move_id again is a no-op; a second open move for the same
  // user is AlreadyExists.
  virtual Status BeginMove(const JournalEntry& move) = 0;
  // Moves an entry to `step` if that is later than its current step (no-op otherwise).
  // NotFound for an unknown move_id.
  virtual Status AdvanceMove(const std::string& move_id, MoveStep step) = 0;
  virtual Result<std::vector<JournalEntry>> OpenMoves() = 0;

  virtual Status AddPendingRemoval(const PendingRemoval& removal) = 0;
  virtual Result<std::vector<PendingRemoval>> PendingRemovals(const std::string& namespace_,
                                                              const std::string& node) = 0;
  virtual Status CompletePendingRemoval(int64_t id) = 0;
  virtual Status RecordRemovalFailure(int64_t id, const std::string& error) = 0;

  virtual Result<LedgerSnapshot> LoadSnapshot() = 0;
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_LEDGER_STORE_H_
