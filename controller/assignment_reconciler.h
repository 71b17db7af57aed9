// File: controller/assignment_reconciler.h
//
// AssignmentReconciler: one pass over one VpnAssignment (SPEC.md §1 "Placement", §2, §3), as
// numbered steps: read the assignment; refuse an invalid spec with Ready=False naming the fields;
// choose its node with the PlacementPolicy over what the node reconciler last saw (sticky: a
// placed user stays); keep the user's credentials (UUID, password, subId) in the Secret
// `<name>-vpn`, created once and owned by the assignment, so that they survive every later move;
// make the panel hold exactly the owned client the spec describes on each inbound (add what is
// missing, rewrite what is stale); write the share links into the Secret; record the placement in
// the ledger; build the status and write it only when it changed.
//
// The finalizer x3ui.io/panel-clients holds a deleted assignment until its clients are gone
// from its panel (an inbound's last client, which 2.x/3.0 panels refuse to delete, is disabled
// instead), so that deleting a VpnAssignment revokes the user's access. It is released without
// touching a panel when the user was never placed or its VpnNode is gone.
//
// Moves (failover past the grace, drain, a deleted node, a changed pin) are make-before-break and
// keep the credentials: the client is added on the target, the status and the ledger switch,
// then the client is removed from the source, or, if the source does not answer, recorded in the
// ledger's pending_removals. A move that fails leaves the user where it was (Placed=False,
// MoveFailed). Every move holds a slot of the disruption budget; VpnMigrations ask for moves
// through RequestMove.
//
// With a batcher (deps.batcher), the clients of new users and of moves are not added by the
// user's own pass: it hands them to the panel's batcher and returns; the batcher adds many
// users' clients in one call and wakes each user, whose next pass finds them there and goes on
// (a new user's Secret is saved before, a move's journal entry and slot are kept meanwhile).
//
// Thread-safety: Reconcile may run concurrently for different keys (one worker per key).
#ifndef X3UI_CONTROLLER_ASSIGNMENT_RECONCILER_H_
#define X3UI_CONTROLLER_ASSIGNMENT_RECONCILER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/expected_keys.h"
#include "controller/move_budget.h"
#include "controller/node_reconciler.h"
#include "controller/owned_clients.h"
#include "controller/placement_index.h"
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
  store::LedgerWriteQueue* ledger = nullptr;  // optional
  kube::EventRecorder* events = nullptr;      // optional: Events on transitions only
  metrics::Metrics* metrics = nullptr;        // optional: x3ui_migrations_total
  store::LedgerStore* store = nullptr;        // optional: reads pending removals (RemovePending)
  MoveBudget* budget = nullptr;               // optional: the disruption budget shared by every move
  ExpectedKeys* expected_keys = nullptr;      // optional: filled for the node's drift diff
  // Puts assignment `ns/name` back on the work queue (a user whose move waited for the budget).
  std::function<void(const std::string& key)> wake;
  // Called right after each step of a move ("planned", "added-on-target", "committed",
  // "switched", "removed-from-source"); the crash tests kill the process there. Optional.
  std::function<void(const std::string& step)> on_move_step;
  // Adds new users' clients in batches per panel (optional: without it each user's reconcile
  // adds its own, batched only with users reconciled at the same moment).
  panel::AddBatcher* batcher = nullptr;
  // The informers' copies of VpnAssignments and VpnNodes by "ns/name" (optional: without them,
  // or when the copy is missing, the API server is asked).
  std::function<std::optional<kube::Json>(const std::string& key)> cached_assignment;
  std::function<std::optional<kube::Json>(const std::string& key)> cached_node;
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
};

class AssignmentReconciler {
 public:
  AssignmentReconciler(AssignmentReconcilerDeps deps, AssignmentReconcilerOptions options);

  // One pass for assignment `ns/name`. Errors are for the work queue to retry with backoff; a
  // user that cannot be placed, or a panel that refuses, is reported in status, not returned.
  Result<ReconcileResult> Reconcile(const std::string& ns, const std::string& name);

  // Notes where an assignment is placed, as its status says (the manager calls it for every
  // object the informer delivers, so that counts are right before the first reconcile). A copy
  // older than this process's own last write of the object (`resource_version` below it) is
  // ignored: it would undo a placement or a move this process has already committed.
  void Observe(const std::string& ns, const std::string& name, const std::string& node_name,
               const std::string& resource_version);
  void Forget(const std::string& ns, const std::string& name);
  // Users placed on node `ns/node`, including placements this process made but has not yet seen
  // come back through the informer.
  int64_t UsersOn(const std::string& node_key) const;
  // The names of the assignments placed on node `ns/node`, counted as UsersOn counts them.
  std::vector<std::string> PlacedOn(const std::string& node_key) const;

  // Asks for assignment `ns/name` to move to node `target` (a VpnMigration's plan). The move is
  // made by the assignment's own reconcile, within the disruption budget, unless the user is
  // pinned (spec.nodeName wins). Replaces an earlier request for the same user.
  void RequestMove(const std::string& ns, const std::string& name, const std::string& target);
  // What became of a request: nullopt when there is none.
  struct MoveRequest {
    enum class State { kPending, kDone, kFailed };
    std::string target;
    State state = State::kPending;
    std::string message;  // why it failed
  };
  std::optional<MoveRequest> MoveRequestOf(const std::string& ns, const std::string& name) const;
  void ClearMoveRequest(const std::string& ns, const std::string& name);

  // After a restart, before any reconcile: finishes the moves the journal holds open whose
  // assignment's status already names the target (the commit happened), and rolls back the others
  // (the target's copy of the clients is removed). Only namespace `ns` when it is not empty.
  Status RecoverMoves(const std::string& ns);
  // After a restart: makes the ledger's active placements agree with the assignments' status
  // (`assignments`, the informer's list), the source of truth: missing rows recorded, rows on
  // the wrong node switched, rows of deleted assignments released. Writes only the differences.
  Status ReconcileLedger(const std::vector<kube::Json>& assignments, const std::string& ns);

  // Deletes the clients the ledger says were left on node `ns/node` while it was down, unless
  // their user has come back to it; each done removal is completed in the ledger, each failure
  // recorded there. Call when the node answers again. OK without a store or with nothing to do.
  Status RemovePending(const std::string& ns, const std::string& node);

 private:
  struct Outcome;
  // Makes the panel hold the user's clients; with `defer_adds`, missing ones are returned in
  // Outcome::deferred instead of added. With `stale_ok` the panel's last listing is used when it
  // shows none of the user's clients (a new user, a move's target), saving a listing per user.
  Outcome Sync(const api::VpnAssignment& a, const std::string& node_name, const kube::Json& secret, bool defer_adds,
               bool stale_ok);
  // The object from the informer's copy, else from the API server; while the copy is older
  // than what this process last wrote, the object as written (so that no decision is made
  // twice: a move from a cache that does not show its commit yet would move the user again).
  Result<kube::Json> ReadAssignment(const std::string& ns, const std::string& name);
  // Keeps `written`, an assignment as the API server returned it after this process wrote it,
  // until the informer delivers that version or a newer one.
  void Remember(const kube::Json& written);
  Result<kube::Json> ReadNode(const std::string& ns, const std::string& name);
  // The user's Secret, with its credentials; a new user's is returned unsaved (no
  // resourceVersion), for WriteLinks to create with the links once the panel holds the client.
  Result<kube::Json> EnsureCredentials(const api::VpnAssignment& a);
  // Writes the share links into the Secret: creates it when unsaved, updates it when they
  // changed; returns the Secret as saved.
  Result<kube::Json> WriteLinks(kube::Json secret, const std::vector<std::string>& links);
  int64_t UsersOnLocked(const std::string& node_key) const;  // REQUIRES: mu_
  // A node's panel, opened: its VpnNode, the shared session and the inbounds as listed now.
  struct OpenedPanel {
    api::VpnNode node;
    std::shared_ptr<panel::PanelSession> session;
    panel::PanelSession::Listing inbounds;  // shared with the session's kept listing
  };
  // Errors carry a condition reason: NodeUnavailable (code NotFound when the VpnNode is gone),
  // CredentialsMissing/CredentialsInvalid/CaBundleMissing, or PanelUnavailable.
  // `any_listing`: the session's last listing will do, however old.
  Result<OpenedPanel> OpenPanel(const std::string& ns, const std::string& node_name, bool any_listing = false);
  // The panel's inbounds as the session keeps them (`any_age`: its last listing, however old, when
  // there is one); errors carry the reason PanelUnavailable.
  Result<panel::PanelSession::Listing> Listing(panel::PanelSession& session, bool any_age);
  // Whether the listing in `p` shows any of the user's clients.
  static bool AnyOwnedClientListed(const api::VpnAssignment& a, const OpenedPanel& p);
  Status RemoveClients(const api::VpnAssignment& a);
  Result<ReconcileResult> Finalize(const kube::Json& obj, const api::VpnAssignment& a);
  // After a move's commit (status names the target): ledger switch, Event, removal from the
  // source (or, when it does not answer, pending removals in the ledger), journal done.
  void CompleteMove(const kube::Json& obj, const api::VpnAssignment& a, const store::JournalEntry& move);
  // A move that will not commit: journal rolled back, the user counted on `source` again, a
  // VpnMigration's request failed with `why`.
  void AbandonMove(const std::string& ns, const std::string& name, const std::string& source,
                   const std::string& move_id, const std::string& reason, const std::string& why);
  // Removes the user's clients from `node`; when it does not answer, records pending removals.
  // True when they were removed.
  bool RemoveOrDefer(const std::string& ns, const std::string& name, const std::string& node, const std::string& reason);
  void Journal(const std::string& what, std::function<Status(store::LedgerStore&)> write);
  void Step(const char* step);
  // The pending VpnMigration request of `key` that still has to move it, if any (marks one that
  // is fulfilled done). REQUIRES: mu_.
  MoveRequest* PendingRequestLocked(const std::string& key, const api::VpnAssignment& a);
  void FinishRequest(const std::string& key, const std::string& node);

  // A slot of the disruption budget held for one reconcile; given back (and the next waiting
  // user woken) when it goes out of scope.
  class MoveSlot {
   public:
    MoveSlot(MoveBudget* budget, const std::function<void(const std::string&)>& wake) : budget_(budget), wake_(wake) {}
    ~MoveSlot();
    bool Acquire(const std::string& key);
    // Takes over the slot `key` already holds (a move resumed after its batched add).
    void Adopt(const std::string& key) { key_ = budget_ ? key : ""; }
    // Lets the slot outlive this reconcile (the move waits for the batcher); Adopt takes it back.
    void Keep() { key_.clear(); }

   private:
    MoveBudget* budget_;
    const std::function<void(const std::string&)>& wake_;
    std::string key_;
  };
  void Event(const kube::Json& obj, const char* type, const std::string& reason, const char* action,
             const std::string& note);

  AssignmentReconcilerDeps deps_;
  AssignmentReconcilerOptions options_;
  balancer::PlacementPolicy policy_;
  mutable std::mutex mu_;                      // guards placed_ and requests_; held across Choose + record
  PlacementIndex placed_;                      // assignment "ns/name" -> node "ns/node"
  std::map<std::string, MoveRequest> requests_;  // assignment "ns/name" -> VpnMigration request; guarded by mu_
  // New users handed to the batcher, not yet placed in status: the node chosen, why, and the
  // Secret saved for them (so that the pass after the add need not read it back). Guarded by mu_.
  struct NewChoice {
    std::string node;
    std::string reason;
    kube::Json secret;
  };
  std::map<std::string, NewChoice> new_choices_;
  // Moves waiting for the batcher to add their clients on the target, journaled as planned and
  // holding their budget slot: "ns/name" -> the move. Guarded by mu_.
  struct MoveInFlight {
    std::string move_id;
    std::string source;
    std::string target;
    std::string reason;
    kube::Json secret;  // the user's Secret as read for the move
  };
  std::map<std::string, MoveInFlight> moves_in_flight_;
  // Assignments this process wrote (status or finalizer) whose new version the informer has not
  // delivered yet: "ns/name" -> the object as written. Guarded by written_mu_, which is taken
  // after mu_ when both are held (a status write can happen with mu_ held).
  mutable std::mutex written_mu_;
  std::map<std::string, kube::Json> written_;
};

// Whether an object at `cached` resourceVersion is at least as new as one at `written`. The
// kube-apiserver's resourceVersions are etcd revisions, compared as numbers here only to tell
// whether a cache has caught up with this process's own write; if either is not a number, only
// the same version counts.
bool CaughtUp(const std::string& cached, const std::string& written);

inline constexpr char kPanelClientsFinalizer[] = "x3ui.io/panel-clients";

// status.nodeName of a VpnAssignment object; empty when it is not placed.
std::string AssignedNode(const kube::Json& assignment);
// The credentials Secret's name: "<name>-vpn".
std::string CredentialsSecretName(const std::string& assignment);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_RECONCILER_H_
