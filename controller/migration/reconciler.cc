#include "controller/migration/reconciler.h"

#include <map>
#include <optional>

#include <spdlog/spdlog.h>

#include "controller/assignment/reconciler.h"
#include "controller/record_event.h"
#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/api/validation.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {
namespace {

constexpr auto Cond = api::MakeCondition;
constexpr char kPlannedCondition[] = "Planned";
constexpr int64_t kNoBudget = int64_t{1} << 40;  // a plan lists every move; execution is what is capped

std::string Name(const kube::Json& o) { return o["metadata"].value("name", ""); }

// The planner's view of a placed VpnAssignment; nullopt when it does not decode.
std::optional<balancer::PlacedUser> PlacedUserOf(const kube::Json& o) {
  Result<api::VpnAssignment> a = api::DecodeVpnAssignment(o);
  if (!a.ok()) return std::nullopt;
  return balancer::PlacedUser{a->metadata.name, a->status.node_name, a->spec.node_name, a->spec.node_selector,
                              a->metadata.labels};
}

}  // namespace

MigrationReconciler::MigrationReconciler(MigrationReconcilerDeps deps, MigrationReconcilerOptions options)
    : deps_(std::move(deps)), options_(options) {}

Status MigrationReconciler::WriteStatus(const api::VpnMigration& m, const api::VpnMigrationStatus& next) {
  if (next == m.status) return Status::Ok();
  api::VpnMigration updated = m;
  updated.status = next;
  return deps_.kube->UpdateStatus(kube::kVpnMigrations, m.metadata.namespace_, api::Encode(updated)).status();
}

Result<runtime::ReconcileResult> MigrationReconciler::Reconcile(const std::string& ns, const std::string& name) {
  // 1. Read the migration. One that is deleted mid-run stops handing out moves; those already
  //    requested finish (a half-made move is worse than a finished one).
  Result<kube::Json> got = deps_.kube->Get(kube::kVpnMigrations, ns, name);
  if (!got.ok()) return got.status().code() == Status::Code::kNotFound ? Result<runtime::ReconcileResult>(runtime::ReconcileResult{}) : got.status();
  Result<api::VpnMigration> decoded = api::DecodeVpnMigration(*got);
  if (!decoded.ok()) return decoded.status().WithContext("VpnMigration " + ns + "/" + name);
  const api::VpnMigration& m = *decoded;
  const std::string& phase = m.status.phase;

  // 2. A spec the schema could not catch: say which fields, move nobody.
  if (FieldErrors errs = api::ValidateVpnMigration(m); !errs.empty()) {
    api::VpnMigrationStatus next = m.status;
    next.phase = api::kPhaseFailed;
    next.observed_generation = m.metadata.generation;
    api::SetCondition(&next.conditions, Cond(api::kReady, false, api::kReasonInvalidSpec, Status::Invalid(errs).message(), m.metadata.generation),
                      FormatRfc3339(deps_.clock->Now()));
    if (Status s = WriteStatus(m, next); !s.ok()) return s;
    return runtime::ReconcileResult{};
  }

  // 3. An operation runs once: a finished one, or a dry run planned for this spec, is left alone.
  if (phase == api::kPhaseSucceeded || phase == api::kPhaseFailed) return runtime::ReconcileResult{};

  // 4. Plan (the first pass, a dry run, or a dry run turned into a real one), then run. A dry
  //    run is a preview: it is planned again every so often, and written only when it changes.
  if (phase != api::kPhaseRunning) return Plan(*got, m);
  return Run(*got, m);
}

Result<runtime::ReconcileResult> MigrationReconciler::Plan(const kube::Json& obj, api::VpnMigration m) {
  const std::string& ns = m.metadata.namespace_;
  const int64_t gen = m.metadata.generation;
  std::vector<balancer::NodeView> views = deps_.nodes(ns);
  for (auto& v : views) v.users = deps_.book->UsersOn(kube::ObjectKey{ns, v.name}.String());
  std::vector<balancer::PlacedUser> users;
  for (const auto& o : deps_.placed(ns)) {
    if (std::optional<balancer::PlacedUser> u = PlacedUserOf(o)) users.push_back(std::move(*u));
  }
  balancer::MigrationRequest request{m.spec.from_node, m.spec.to_node, m.spec.selector, m.spec.max_users};
  balancer::MigrationPlan plan = planner_.PlanRequested(views, users, request, kNoBudget, 0);

  api::VpnMigrationStatus next = m.status;
  next.observed_generation = gen;
  next.plan.clear();
  for (const auto& mv : plan.moves) next.plan.push_back({mv.user, mv.from, mv.to, mv.reason});
  // Users in scope that no node can take stay in the plan with no target, and count as failed.
  std::string blocked_text;
  for (const auto& b : plan.blocked) {
    next.plan.push_back({b.user, b.from, "", "Blocked: " + b.reason});
    if (blocked_text.size() < 400) blocked_text += "; " + b.user + ": " + b.reason;
  }
  next.migrated = 0;
  next.failed = static_cast<int64_t>(plan.blocked.size());
  const std::string now = FormatRfc3339(deps_.clock->Now());
  const std::string summary = std::to_string(plan.moves.size()) + " move(s) planned" +
                              (plan.blocked.empty() ? "" : ", " + std::to_string(plan.blocked.size()) + " user(s) cannot move" + blocked_text);
  api::SetCondition(&next.conditions, Cond(kPlannedCondition, true, "Planned", summary, gen), now);
  runtime::ReconcileResult result{};
  if (m.spec.dry_run) {
    result.requeue_after = options_.dry_run_refresh;
    next.phase = api::kPhasePlanned;
    api::SetCondition(&next.conditions, Cond(api::kReady, true, api::kReasonDryRun, "plan only (spec.dryRun): nobody was moved", gen), now);
  } else if (plan.moves.empty()) {
    next.phase = plan.blocked.empty() ? api::kPhaseSucceeded : api::kPhaseFailed;
    api::SetCondition(&next.conditions,
                      Cond(api::kReady, plan.blocked.empty(), plan.blocked.empty() ? api::kReasonNothingToMove : api::kReasonBlocked, summary, gen), now);
  } else {
    next.phase = api::kPhaseRunning;
    api::SetCondition(&next.conditions, Cond(api::kReady, false, api::kReasonRunning, "0 of " + std::to_string(next.plan.size()) + " moved", gen), now);
    result.requeue_after = std::chrono::milliseconds(1);  // start right away
  }
  // The conditions' timestamps do not move when nothing else does, so an unchanged plan writes nothing.
  const bool changed = !(next == m.status);
  if (Status s = WriteStatus(m, next); !s.ok()) return s;
  if (changed) RecordEvent(deps_.events, obj, "Normal", m.spec.dry_run ? api::kReasonDryRun : api::kReasonPlanned, "Plan", summary);
  return result;
}

Result<runtime::ReconcileResult> MigrationReconciler::Run(const kube::Json& obj, api::VpnMigration m) {
  const std::string& ns = m.metadata.namespace_;
  std::map<std::string, kube::Json> placed;
  for (auto& o : deps_.placed(ns)) placed.emplace(Name(o), std::move(o));
  const int64_t cap = m.spec.max_concurrent > 0 ? m.spec.max_concurrent : deps_.disruption_budget;
  int64_t migrated = 0, failed = 0, in_flight = 0;
  std::vector<const api::PlannedMove*> to_request;
  for (const api::PlannedMove& mv : m.status.plan) {
    auto it = placed.find(mv.user);
    if (mv.to.empty() || it == placed.end()) {
      ++failed;  // blocked when planned, or deleted since
      continue;
    }
    if (api::AssignedNode(it->second) == mv.to) {
      ++migrated;
      continue;
    }
    std::optional<MoveRequest> r = deps_.book->MoveRequestOf(kube::ObjectKey{ns, mv.user}.String());
    if (r && r->target == mv.to && r->state == MoveRequest::State::kFailed) {
      ++failed;
    } else if (r && r->target == mv.to) {
      ++in_flight;  // pending, or done and not yet seen through the informer
    } else {
      to_request.push_back(&mv);
    }
  }
  // Hand out moves up to the cap (requests lost in a restart are handed out again here).
  for (const api::PlannedMove* mv : to_request) {
    if (in_flight >= cap) break;
    deps_.book->RequestMove(kube::ObjectKey{ns, mv->user}.String(), mv->to);
    deps_.wake(kube::ObjectKey{ns, mv->user}.String());
    ++in_flight;
  }

  const int64_t gen = m.metadata.generation;
  const int64_t total = static_cast<int64_t>(m.status.plan.size());
  api::VpnMigrationStatus next = m.status;
  next.migrated = migrated;
  next.failed = failed;
  const std::string progress = std::to_string(migrated) + " of " + std::to_string(total) + " moved, " +
                               std::to_string(failed) + " failed";
  const std::string now = FormatRfc3339(deps_.clock->Now());
  const bool finished = migrated + failed == total;
  if (finished) {
    next.phase = failed == 0 ? api::kPhaseSucceeded : api::kPhaseFailed;
    api::SetCondition(&next.conditions, Cond(api::kReady, failed == 0, failed == 0 ? "Succeeded" : "SomeMovesFailed", progress, gen), now);
  } else {
    api::SetCondition(&next.conditions, Cond(api::kReady, false, api::kReasonRunning, progress, gen), now);
  }
  if (Status s = WriteStatus(m, next); !s.ok()) return s;
  if (!finished) return runtime::ReconcileResult{options_.poll};
  for (const api::PlannedMove& mv : m.status.plan) {
    auto r = deps_.book->MoveRequestOf(kube::ObjectKey{ns, mv.user}.String());
    if (r && r->target == mv.to) deps_.book->ClearMoveRequest(kube::ObjectKey{ns, mv.user}.String());
  }
  RecordEvent(deps_.events, obj, failed == 0 ? "Normal" : "Warning",
              failed == 0 ? api::kReasonSucceeded : api::kReasonSomeMovesFailed, "Migrate", progress);
  spdlog::info("VpnMigration {}/{} finished: {}", ns, m.metadata.name, progress);
  return runtime::ReconcileResult{};
}

}  // namespace x3ui::controller
