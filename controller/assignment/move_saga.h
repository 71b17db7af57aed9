// File: controller/assignment/move_saga.h
//
// MoveSaga: the steps of a move around the assignment's own status write, which is its commit.
// Make-before-break and journaled: planned (journal entry) -> added on the target ->
// committed (status names the target) -> switched (ledger) -> removed from the source (or, when
// it does not answer, pending removals in the ledger) -> done. A move that will not commit is
// rolled back: journal entry closed, the user counted on its source again, and whatever reached
// the target is extra there (the drift diff or the cleanup removes it).
//
// Thread-safety: safe from any thread for different users; the collaborators lock themselves.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_MOVE_SAGA_H_
#define X3UI_CONTROLLER_ASSIGNMENT_MOVE_SAGA_H_

#include <functional>
#include <string>
#include <vector>

#include "controller/assignment/panel_access.h"
#include "controller/assignment/placement_book.h"
#include "pkg/api/types.h"
#include "pkg/balancer/placement_policy.h"
#include "pkg/kube/events.h"
#include "pkg/metrics/metrics.h"
#include "pkg/store/write_queue.h"

namespace x3ui::controller {

// The steps a crash test may stop the process at, in order.
namespace move_step {
inline constexpr char kPlanned[] = "planned";
inline constexpr char kAddedOnTarget[] = "added-on-target";
inline constexpr char kCommitted[] = "committed";
inline constexpr char kSwitched[] = "switched";
inline constexpr char kRemovedFromSource[] = "removed-from-source";
}  // namespace move_step

struct MoveSagaDeps {
  const PanelAccess* panels = nullptr;        // required
  PlacementBook* book = nullptr;              // required
  // The balancer's view of a namespace's nodes (an Unreachable node is not asked to remove).
  std::function<std::vector<balancer::NodeView>(const std::string& ns)> nodes;  // required
  store::LedgerWriteQueue* ledger = nullptr;  // optional
  kube::EventRecorder* events = nullptr;      // optional
  metrics::Metrics* metrics = nullptr;        // optional
  std::function<void(const std::string& step)> on_move_step;  // optional
};

class MoveSaga {
 public:
  explicit MoveSaga(MoveSagaDeps deps) : deps_(std::move(deps)) {}

  // The move `m` is journaled before it touches the target.
  void Begin(const store::JournalEntry& m);
  // Its clients are on the target.
  void AddedOnTarget(const std::string& move_id);
  // Right after the commit (the status write naming the target).
  void Committed() { Step(move_step::kCommitted); }
  // After the commit: ledger switch, Event, removal from the source, journal done.
  void Complete(const kube::Json& obj, const api::VpnAssignment& a, const store::JournalEntry& m);
  // A move that will not commit (`move_id` empty when it was never journaled): rolled back; a
  // VpnMigration's request fails with `why` (unless empty).
  void Abandon(const std::string& ns, const std::string& name, const std::string& source, const std::string& move_id,
               const std::string& reason, const std::string& why);
  // Rolls back a journaled move found open after a restart whose commit never happened.
  void RollBack(const store::JournalEntry& m);
  // Removes the user's clients from `node`; when it does not answer, records pending removals.
  // True when they were removed.
  bool RemoveOrDefer(const std::string& ns, const std::string& name, const std::string& node, const std::string& reason);
  // Queues a ledger write (no-op without a ledger).
  void Journal(const std::string& what, std::function<Status(store::LedgerStore&)> write);

 private:
  void Step(const char* step);
  MoveSagaDeps deps_;
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_MOVE_SAGA_H_
