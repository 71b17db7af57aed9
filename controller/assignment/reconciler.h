// File: controller/assignment/reconciler.h
//
// AssignmentReconciler: one pass over one VpnAssignment, as named steps: read it (a deleted one
// is finalized: its clients leave the panel before the finalizer goes); refuse a spec the schema
// could not catch; choose its node (placement.h, counted in the PlacementBook; sticky: a placed
// user stays); keep its credentials in the Secret `<name>-vpn` (credentials.h), created once so
// that they survive every move; make the panel hold exactly the owned clients the spec describes
// (client_sync.h; with a batcher, a new user's or a move's clients go in the panel's next batched
// add, which wakes the user again); save the Secret when it is new; write the status once (status.h),
// which for a move is its commit (move_saga.h: make-before-break, journaled, rolled back when it
// does not commit); then the ledger and the Events of its transitions.
//
// A move holds a slot of the disruption budget, unless it rescues a dead node's user;
// VpnMigrations ask for moves through the PlacementBook. After a restart, RecoverMoves and
// ReconcileLedger (recovery.cc) finish or roll back half-done moves and correct the ledger.
//
// Thread-safety: Reconcile may run concurrently for different keys (one worker per key); the
// other methods may be called from any thread.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_RECONCILER_H_
#define X3UI_CONTROLLER_ASSIGNMENT_RECONCILER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/assignment/client_sync.h"
#include "controller/assignment/credentials.h"
#include "controller/assignment/move_saga.h"
#include "controller/assignment/move_slot.h"
#include "controller/assignment/own_writes.h"
#include "controller/assignment/panel_access.h"
#include "controller/assignment/placement_book.h"
#include "controller/cached_read.h"
#include "controller/expected_keys.h"
#include "controller/move_budget.h"
#include "controller/node/reconciler.h"
#include "pkg/api/types.h"
#include "pkg/balancer/placement_policy.h"
#include "pkg/common/clock.h"
#include "pkg/kube/client.h"
#include "pkg/kube/events.h"
#include "pkg/metrics/metrics.h"
#include "pkg/store/write_queue.h"
#include "pkg/x3ui/add_batcher.h"
#include "pkg/x3ui/session_pool.h"

namespace x3ui::controller {

struct AssignmentReconcilerDeps {
  kube::KubeClient* kube = nullptr;           // required: assignments, nodes, Secrets
  panel::PanelSessionPool* panels = nullptr;  // required: shared with the node reconciler
  const Clock* clock = nullptr;               // required
  // The balancer's view of the nodes of a namespace (NodeReconciler::Views); required.
  std::function<std::vector<balancer::NodeView>(const std::string& ns)> nodes;
  // Where users are counted, shared with the other controllers (optional: without it the
  // reconciler keeps its own).
  PlacementBook* book = nullptr;
  store::LedgerWriteQueue* ledger = nullptr;  // optional
  kube::EventRecorder* events = nullptr;      // optional: Events on transitions only
  metrics::Metrics* metrics = nullptr;        // optional: x3ui_migrations_total
  store::LedgerStore* store = nullptr;        // optional: reads pending removals (RemovePending)
  MoveBudget* budget = nullptr;               // optional: the disruption budget shared by every move
  ExpectedKeys* expected_keys = nullptr;      // optional: filled for the node's drift diff
  // Puts assignment `ns/name` back on the work queue (a user whose move waited for the budget).
  std::function<void(const std::string& key)> wake;
  // Called right after each step of a move (move_step::k...); the crash tests kill the process
  // there. Optional.
  std::function<void(const std::string& step)> on_move_step;
  // Adds new users' clients in batches per panel (optional: without it each user's reconcile
  // adds its own, batched only with users reconciled at the same moment).
  panel::AddBatcher* batcher = nullptr;
  // The informers' copies of VpnAssignments and VpnNodes by "ns/name" (optional: without them,
  // or when the copy is missing, the API server is asked).
  CacheLookup cached_assignment;
  CacheLookup cached_node;
  // Fresh secrets for a new user (UUID and a 24-character password/subId); tests inject fixed ones.
  std::function<std::string()> new_uuid;
  std::function<std::string(size_t)> new_token;
};

struct AssignmentReconcilerOptions {
  std::chrono::milliseconds panel_timeout{10000};
  std::chrono::milliseconds retry_unplaced{30000};  // how soon an unplaceable user is tried again
  std::chrono::milliseconds resync{300000};         // re-check a placed user's clients this often
  // How old a panel's inbound listing may be to decide whether a user's client is there (a
  // prober's listing or the re-read after an add); the prober's drift diff catches the rest.
  std::chrono::milliseconds listing_max_age{10000};
  PanelHostPolicy panel_hosts;  // --panel-host-allow/--panel-host-deny
  std::string subscription_base_url;  // --subscription-base-url (empty: no subscriptionUrl)
};

class AssignmentReconciler {
 public:
  AssignmentReconciler(AssignmentReconcilerDeps deps, AssignmentReconcilerOptions options);

  // One pass for assignment `ns/name`. Errors are for the work queue to retry with backoff; a
  // user that cannot be placed, or a panel that refuses, is reported in status, not returned.
  Result<runtime::ReconcileResult> Reconcile(const std::string& ns, const std::string& name);

  // Notes where an assignment is placed, as its status says (the manager calls it for every
  // object the informer delivers, so that counts are right before the first reconcile). A copy
  // older than this process's own last write of the object (`resource_version` below it) is
  // ignored: it would undo a placement or a move this process has already committed.
  void Observe(const std::string& ns, const std::string& name, const std::string& node_name,
               const std::string& resource_version);
  void Forget(const std::string& ns, const std::string& name);

  // The shared PlacementBook (deps.book, or the reconciler's own).
  PlacementBook& book() { return *book_; }

  // After a restart, before any reconcile: finishes the moves the journal holds open whose
  // assignment's status already names the target (the commit happened), and rolls back the others
  // (the target's copy of the clients is removed). Only namespace `ns` when it is not empty.
  Status RecoverMoves(const std::string& ns);
  // Makes the ledger's active placements agree with the assignments' status (`assignments`, the
  // informer's list), the source of truth: missing rows recorded, rows on the wrong node
  // switched, rows of deleted assignments released. Writes only the differences.
  Status ReconcileLedger(const std::vector<kube::Json>& assignments, const std::string& ns);
  // Deletes the clients the ledger says were left on node `ns/node` while it was down, unless
  // their user has come back to it; each done removal is completed in the ledger, each failure
  // recorded there. Call when the node answers again. OK without a store or with nothing to do.
  Status RemovePending(const std::string& ns, const std::string& node);

 private:
  struct Pass;  // one Reconcile's state, step to step (reconciler.cc)
  // A step either lets the pass go on (nullopt) or ends it with this result.
  using StepResult = std::optional<Result<runtime::ReconcileResult>>;
  StepResult Read(Pass& p);
  StepResult RefuseInvalidSpec(Pass& p);
  StepResult ChooseNode(Pass& p, MoveSlot& slot);
  StepResult ResumeMove(Pass& p, MoveSlot& slot);
  StepResult KeepCredentials(Pass& p);
  void BeginMove(Pass& p);
  StepResult SyncPanel(Pass& p, MoveSlot& slot);
  StepResult FinishMoveOnTarget(Pass& p);
  StepResult Commit(Pass& p);
  void AfterCommit(Pass& p);
  void RecordTransitions(Pass& p);
  // The one status write of a pass (nothing when unchanged).
  Status WriteStatus(Pass& p);

  // The object from the informer's copy, else from the API server; while the copy is older
  // than what this process last wrote, the object as written.
  Result<kube::Json> ReadAssignment(const std::string& ns, const std::string& name);
  Result<runtime::ReconcileResult> Finalize(const kube::Json& obj, const api::VpnAssignment& a);  // finalizer.cc

  AssignmentReconcilerDeps deps_;
  AssignmentReconcilerOptions options_;
  balancer::PlacementPolicy policy_;
  std::unique_ptr<PlacementBook> own_book_;  // when deps.book is null
  PlacementBook* book_;
  OwnWrites own_writes_;
  PanelAccess panels_;
  CredentialsSecrets credentials_;
  MoveSaga saga_;
};

inline constexpr char kPanelClientsFinalizer[] = "x3ui.io/panel-clients";


}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_RECONCILER_H_
