#include "controller/assignment/reconciler.h"

#include <spdlog/spdlog.h>

#include "controller/assignment/status.h"
#include "controller/finalizers.h"
#include "controller/record_event.h"
#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/api/validation.h"
#include "pkg/common/random.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

struct AssignmentReconciler::Pass {
  std::string ns, name, key;
  kube::Json obj;  // as read: what Events are about
  api::VpnAssignment a;
  api::VpnAssignmentStatus next;  // the status being built; written once
  std::string now;
  std::string node, reason, source;  // where the user is served, why, and a move's source
  bool newly_placed = false;
  kube::Json saved_secret;  // the Secret this process saved on an earlier pass, if any
  std::optional<MoveInFlight> resumed;
  kube::Json secret;
  std::string move_id;  // non-empty while this pass moves the user
  std::optional<Status> batched;
  SyncOutcome out;
  StatusDraft draft() { return {&next, a.metadata.generation, now}; }
  store::JournalEntry move() const { return {move_id, ns, name, source, node, reason}; }
};

namespace {
// Fresh secrets from the system's generators unless a test injects fixed ones.
AssignmentReconcilerDeps WithDefaults(AssignmentReconcilerDeps deps) {
  if (!deps.new_uuid) deps.new_uuid = NewUuidV4;
  if (!deps.new_token) deps.new_token = RandomToken;
  return deps;
}
}  // namespace

AssignmentReconciler::AssignmentReconciler(AssignmentReconcilerDeps deps, AssignmentReconcilerOptions options)
    : deps_(WithDefaults(std::move(deps))),
      options_(options),
      own_book_(deps_.book ? nullptr : std::make_unique<PlacementBook>()),
      book_(deps_.book ? deps_.book : own_book_.get()),
      panels_(deps_.kube, deps_.panels, deps_.cached_node, {options_.panel_timeout, options_.listing_max_age, options_.panel_hosts}),
      credentials_(deps_.kube, deps_.new_uuid, deps_.new_token, options_.subscription_base_url),
      saga_({&panels_, book_, deps_.nodes, deps_.ledger, deps_.events, deps_.metrics, deps_.on_move_step}) {}

void AssignmentReconciler::Observe(const std::string& ns, const std::string& name, const std::string& node_name,
                                   const std::string& resource_version) {
  const std::string key = kube::ObjectKey{ns, name}.String();
  if (!own_writes_.Delivered(key, resource_version)) return;  // older than our own write
  // An empty nodeName may be an older copy than a placement this process just made: keep that.
  if (node_name.empty()) return;
  book_->Observe(key, kube::ObjectKey{ns, node_name}.String());
}

void AssignmentReconciler::Forget(const std::string& ns, const std::string& name) {
  const std::string key = kube::ObjectKey{ns, name}.String();
  MoveSlot held(deps_.budget, deps_.wake);  // a move waiting for the batcher gives its slot back
  if (book_->Forget(key)) held.Adopt(key);
  own_writes_.Forget(key);
  if (deps_.expected_keys) deps_.expected_keys->Forget(key);
}

Result<kube::Json> AssignmentReconciler::ReadAssignment(const std::string& ns, const std::string& name) {
  return own_writes_.Newest(kube::ObjectKey{ns, name}.String(),
                            ReadThrough(deps_.cached_assignment, *deps_.kube, kube::kVpnAssignments, ns, name));
}

Status AssignmentReconciler::WriteStatus(Pass& p) {
  if (p.next == p.a.status) return Status::Ok();
  api::VpnAssignment updated = p.a;
  updated.status = p.next;
  Result<kube::Json> written = deps_.kube->UpdateStatus(kube::kVpnAssignments, p.ns, api::Encode(updated));
  if (written.ok()) own_writes_.Remember(*written);
  return written.status();
}

Result<runtime::ReconcileResult> AssignmentReconciler::Reconcile(const std::string& ns, const std::string& name) {
  Pass p;
  p.ns = ns;
  p.name = name;
  p.key = kube::ObjectKey{ns, name}.String();
  if (StepResult done = Read(p)) return *done;
  if (StepResult done = RefuseInvalidSpec(p)) return *done;
  // While the batcher holds the user's clients there is nothing to do: it wakes this reconcile.
  if (deps_.batcher && deps_.batcher->Pending(p.key)) return runtime::ReconcileResult{};
  MoveSlot slot(deps_.budget, deps_.wake);
  if (StepResult done = ChooseNode(p, slot)) return *done;
  if (StepResult done = KeepCredentials(p)) return *done;
  BeginMove(p);
  if (StepResult done = SyncPanel(p, slot)) return *done;
  if (StepResult done = FinishMoveOnTarget(p)) return *done;
  if (StepResult done = Commit(p)) return *done;
  AfterCommit(p);
  RecordTransitions(p);
  return runtime::ReconcileResult{p.out.synced ? options_.resync : options_.retry_unplaced};
}

// 1. Read the assignment; a deleted one is finalized. The finalizer goes on before any client
//    exists, so that no deletion can miss one.
AssignmentReconciler::StepResult AssignmentReconciler::Read(Pass& p) {
  Result<kube::Json> got = ReadAssignment(p.ns, p.name);
  if (!got.ok()) {
    if (got.status().code() != Status::Code::kNotFound) return got.status();
    Forget(p.ns, p.name);
    return runtime::ReconcileResult{};
  }
  Result<api::VpnAssignment> decoded = api::DecodeVpnAssignment(*got);
  if (!decoded.ok()) return decoded.status().WithContext("VpnAssignment " + p.key);
  if (decoded->metadata.deleting()) return Finalize(*got, *decoded);
  if (!HasFinalizer(decoded->metadata.finalizers, kPanelClientsFinalizer)) {
    got = AddFinalizer(*deps_.kube, kube::kVpnAssignments, *got, kPanelClientsFinalizer);
    if (!got.ok()) return got.status();
    own_writes_.Remember(*got);
    decoded = api::DecodeVpnAssignment(*got);
    if (!decoded.ok()) return decoded.status();
  }
  p.obj = *std::move(got);
  p.a = *std::move(decoded);
  p.next = p.a.status;
  p.next.observed_generation = p.a.metadata.generation;
  p.now = FormatRfc3339(deps_.clock->Now());
  return std::nullopt;
}

// 2. A spec the schema could not catch: say which fields, touch nothing.
AssignmentReconciler::StepResult AssignmentReconciler::RefuseInvalidSpec(Pass& p) {
  FieldErrors errs = api::ValidateVpnAssignment(p.a);
  if (errs.empty()) return std::nullopt;
  MarkInvalidSpec(p.draft(), Status::Invalid(errs).message());
  if (Status s = WriteStatus(p); !s.ok()) return s;
  return runtime::ReconcileResult{};
}

// 3. Choose the node, and count the user there before anyone else chooses. A move needs a slot
//    of the disruption budget; without one the user stays, touched by nothing, until a slot
//    frees and it is handed back to the queue.
AssignmentReconciler::StepResult AssignmentReconciler::ChooseNode(Pass& p, MoveSlot& slot) {
  p.resumed = book_->TakeMoveInFlight(p.key);
  if (p.resumed) return ResumeMove(p, slot);
  PlacementBook::Placed placed = book_->Place(p.ns, p.key, p.a, deps_.nodes(p.ns), policy_,
                                              [&] { return slot.Acquire(p.key); });
  const PlacementDecision& d = placed.decision;
  const api::Condition* was = api::FindCondition(p.a.status.conditions, api::kPlaced);
  using Kind = PlacementDecision::Kind;
  if (d.kind == Kind::kUnschedulable) {
    if (!was || was->reason != api::kReasonUnschedulable) {
      spdlog::warn("not placed assignment={} reason=Unschedulable why={}", p.key, d.why);
    }
    MarkUnschedulable(p.draft(), d.why);
    if (Status s = WriteStatus(p); !s.ok()) return s;
    return runtime::ReconcileResult{options_.retry_unplaced};
  }
  if (placed.waits_for_slot) return runtime::ReconcileResult{options_.retry_unplaced};
  p.node = d.node;
  if (d.kind == Kind::kNoTarget) {
    if (!was || was->reason != api::kReasonNoTarget) {
      spdlog::warn("move impossible assignment={} node={} reason=NoTarget why={}", p.key, p.node, d.why);
    }
    MarkNoTarget(p.draft(), d.why);
  } else {
    p.reason = d.reason;
    p.source = d.source;
    if (d.placed_is_news) MarkPlaced(p.draft(), d.policy_reason, p.node);
  }
  p.saved_secret = std::move(placed.saved_secret);
  p.newly_placed = p.next.node_name.empty();
  return std::nullopt;
}

// A move whose clients the batcher has just added: its slot is still held, its target stays
// what was journaled. If the user is no longer where it started (another pass of this process,
// or a person, moved it meanwhile), committing would move it twice: the move is rolled back and
// what it added on its target removed, unless the user is there now.
AssignmentReconciler::StepResult AssignmentReconciler::ResumeMove(Pass& p, MoveSlot& slot) {
  const MoveInFlight& m = *p.resumed;
  slot.Adopt(p.key);
  if (p.a.status.node_name != m.source) {
    spdlog::warn("move abandoned assignment={} from={} to={} reason=StatusMoved status_node={}", p.key, m.source,
                 m.target, p.a.status.node_name.empty() ? "none" : p.a.status.node_name);
    saga_.Abandon(p.ns, p.name, p.a.status.node_name, m.move_id, m.reason, "");
    if (m.target != p.a.status.node_name) saga_.RemoveOrDefer(p.ns, p.name, m.target, m.reason);
    return runtime::ReconcileResult{std::chrono::milliseconds(1)};
  }
  p.node = m.target;
  p.source = m.source;
  p.reason = m.reason;
  p.saved_secret = m.secret;
  p.move_id = m.move_id;
  p.newly_placed = p.next.node_name.empty();
  return std::nullopt;
}

// 4. The user's credentials, created once and kept across every move.
AssignmentReconciler::StepResult AssignmentReconciler::KeepCredentials(Pass& p) {
  Result<kube::Json> secret = p.saved_secret.is_object() ? Result<kube::Json>(p.saved_secret) : credentials_.Ensure(p.a);
  if (!secret.ok()) {
    if (!p.source.empty()) saga_.Abandon(p.ns, p.name, p.source, "", p.reason, "");
    if (secret.status().reason() != api::kReasonSecretConflict) return secret.status();
    MarkSecretConflict(p.draft(), secret.status().message());
    if (Status s = WriteStatus(p); !s.ok()) return s;
    return runtime::ReconcileResult{options_.retry_unplaced};
  }
  p.secret = *std::move(secret);
  if (p.secret["metadata"].contains("resourceVersion")) p.next.credentials_secret_name = CredentialsSecretName(p.name);
  return std::nullopt;
}

// 5. A move is journaled before it touches the target.
void AssignmentReconciler::BeginMove(Pass& p) {
  if (p.source.empty() || p.resumed) return;
  p.move_id = p.key + ":" + p.source + "->" + p.node + ":" + p.now + ":" + deps_.new_token(8);
  saga_.Begin(p.move());
}

// 6. The panel holds exactly the client the spec describes. The clients of a
//    new user or of a move go in the panel's next batched add, and the batcher wakes this
//    reconcile when it is done: a new user's Secret is saved first (the credentials the panel
//    gets are the ones kept); a move keeps its journal entry and budget slot meanwhile. After a
//    refused batch the user is tried alone, which reports the panel's own answer.
AssignmentReconciler::StepResult AssignmentReconciler::SyncPanel(Pass& p, MoveSlot& slot) {
  const bool batched_add = deps_.batcher && ((p.newly_placed && p.source.empty()) || !p.move_id.empty());
  p.batched = batched_add ? deps_.batcher->TakeResult(p.key) : std::nullopt;
  p.out = SyncClients(panels_, deps_.expected_keys,
                      {&p.a, p.node, KeysOf(p.secret), batched_add && (!p.batched || p.batched->ok()), batched_add});
  if (!p.out.deferred.empty()) {
    if (p.move_id.empty()) {
      Result<kube::Json> saved = credentials_.Save(p.secret, false);
      if (!saved.ok()) return saved.status();
      book_->KeepNewChoice(p.key, {p.node, p.reason, *std::move(saved)});
    } else {
      book_->KeepMoveInFlight(p.key, {p.move_id, p.source, p.node, p.reason, p.secret});
      slot.Keep();
    }
    deps_.batcher->Submit(p.out.session, p.key, std::move(p.out.deferred));
    return runtime::ReconcileResult{};
  }
  if (!p.out.synced) return std::nullopt;
  if (Result<kube::Json> saved = credentials_.Save(p.secret, !p.move_id.empty()); !saved.ok()) {
    if (!p.move_id.empty()) saga_.Abandon(p.ns, p.name, p.source, p.move_id, p.reason, saved.status().message());
    return saved.status();
  }
  p.next.credentials_secret_name = CredentialsSecretName(p.name);
  return std::nullopt;
}

// A move whose clients did not reach the target is rolled back: the user stays on its source.
AssignmentReconciler::StepResult AssignmentReconciler::FinishMoveOnTarget(Pass& p) {
  if (p.move_id.empty()) return std::nullopt;
  if (!p.out.synced) {
    spdlog::warn("move failed assignment={} from={} to={} reason={} error={} (the user stays on {})", p.key, p.source,
                 p.node, p.out.reason, p.out.message, p.source);
    saga_.Abandon(p.ns, p.name, p.source, p.move_id, p.reason, p.out.message);
    MarkMoveFailed(p.draft(), p.reason, p.source, p.node, p.out.message);
    if (Status s = WriteStatus(p); !s.ok()) return s;
    return runtime::ReconcileResult{options_.retry_unplaced};
  }
  saga_.AddedOnTarget(p.move_id);
  MarkMoved(p.draft(), p.reason, p.source, p.node);
  return std::nullopt;
}

// 7. Status: placed once the client is on the panel. For a move this write is the commit:
//    before it the move is rolled back after a crash, after it it is finished.
AssignmentReconciler::StepResult AssignmentReconciler::Commit(Pass& p) {
  ApplySync(p.draft(), p.out, p.node);
  if (Status s = WriteStatus(p); !s.ok()) {
    if (!p.move_id.empty()) saga_.Abandon(p.ns, p.name, p.source, p.move_id, p.reason, s.message());
    return s;
  }
  return std::nullopt;
}

// 8. After the commit: the ledger, and a move's source is cleaned (make-before-break).
void AssignmentReconciler::AfterCommit(Pass& p) {
  if (!p.move_id.empty()) {
    spdlog::info("moved assignment={} from={} to={} reason={} migrations={}", p.key, p.source, p.node, p.reason,
                 p.next.migrations);
    saga_.Committed();
    saga_.Complete(p.obj, p.a, p.move());
    book_->FinishRequest(p.key, p.node);
  } else if (p.newly_placed && p.out.synced) {
    spdlog::info("placed assignment={} node={} reason={}", p.key, p.node, p.reason);
    if (deps_.ledger) {
      deps_.ledger->RecordPlacement({p.ns, p.name, p.a.spec.user.id, p.a.spec.user.email, p.node, p.reason});
    }
  }
  if (p.newly_placed && p.out.synced) book_->DropNewChoice(p.key);
}

// 9. Events, on transitions only. (Users placed through the batcher get one Event per batch,
//    on the node, instead.)
void AssignmentReconciler::RecordTransitions(Pass& p) {
  PassFacts facts{p.newly_placed, !p.move_id.empty(), p.batched.has_value(), p.node, p.reason, &p.out,
                  api::FindCondition(p.a.status.conditions, api::kSynced)};
  for (const TransitionEvent& e : TransitionEvents(facts)) {
    if (e.reason == api::kReasonClientRepaired) {
      spdlog::info("client repaired assignment={} node={} clients={}", p.key, p.node, p.out.repaired);
    } else if (std::string_view(e.type) == "Warning") {
      spdlog::warn("sync failed assignment={} node={} reason={} error={}", p.key, p.node, p.out.reason, p.out.message);
    }
    RecordEvent(deps_.events, p.obj, e.type, e.reason, e.action, e.note);
  }
}

}  // namespace x3ui::controller
