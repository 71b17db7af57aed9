#include "controller/node/reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "controller/finalizers.h"
#include "controller/node/endpoints.h"
#include "controller/node/status.h"
#include "controller/panel_endpoint.h"
#include "controller/record_event.h"
#include "controller/transport_security.h"
#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/api/validation.h"
#include "pkg/kube/object_key.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::controller {
namespace {
constexpr std::chrono::milliseconds kDeletingRecheck{2000};
// How long a pruned status.inbounds (an older CRD) is not written again.
constexpr std::chrono::minutes kPrunedRecheck{10};
}  // namespace

struct NodeReconciler::Pass {
  std::string ns, name, key;
  kube::Json obj;
  api::VpnNode node;
  api::VpnNodeStatus next;  // the status being built; written once
  std::string now;
  int64_t gen = 0;
  // A deleted node that cannot be probed (bad spec, no credentials) goes once nobody is on it.
  bool deleted_and_empty = false;
  std::chrono::milliseconds interval{0};
  std::shared_ptr<panel::PanelSession> session;
  health::Phase phase = health::Phase::kPending;
  bool evacuate = false;
  TimePoint evacuate_at;
  std::chrono::milliseconds median_latency{0};

  void Set(api::Condition c) { api::SetCondition(&next.conditions, std::move(c), now); }
  void SetPhase(const std::string& phase_name) {
    if (next.phase != phase_name) next.last_transition_time = now;
    next.phase = phase_name;
  }
};

struct NodeReconciler::Probe {
  ProbeFacts facts;
  std::optional<panel::ServerStatus> server;
  panel::PanelSession::Listing inbounds;  // null unless listed
  std::chrono::milliseconds latency{0};
};

NodeReconciler::NodeReconciler(NodeReconcilerDeps deps, NodeReconcilerOptions options)
    : deps_(std::move(deps)), options_(options) {}

NodeReconciler::NodeState& NodeReconciler::StateFor(const std::string& key, const api::VpnNode& node) {
  auto it = nodes_.find(key);
  if (it != nodes_.end()) return it->second;
  health::HealthPolicy policy = options_.health;
  if (node.spec.probe) {
    policy.failure_threshold = static_cast<int>(node.spec.probe->failure_threshold);
    policy.success_threshold = static_cast<int>(node.spec.probe->success_threshold);
  }
  return nodes_.emplace(key, NodeState{health::NodeHealth(policy), {}, {}, {}, false}).first->second;
}

void NodeReconciler::Forget(const std::string& key) {
  {
    MutexLock l(mu_);
    nodes_.erase(key);
  }
  deps_.panels->Remove(key);
  if (deps_.metrics) deps_.metrics->RemoveNode(key);
}

std::vector<balancer::NodeView> NodeReconciler::Views(const std::string& ns) const {
  MutexLock l(mu_);
  std::vector<balancer::NodeView> out;
  for (const auto& [key, st] : nodes_) {
    if (ns.empty() || key.rfind(ns + "/", 0) == 0) out.push_back(st.view);
  }
  return out;
}

Status NodeReconciler::WriteStatusIfChanged(const api::VpnNode& node, const api::VpnNodeStatus& next) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(deps_.clock->Now().time_since_epoch()).count();
  api::VpnNodeStatus compared = next;
  if (now < endpoints_pruned_until_.load()) compared.inbounds = node.status.inbounds;
  if (compared == node.status) return Status::Ok();
  api::VpnNode updated = node;
  updated.status = next;
  Result<kube::Json> saved = deps_.kube->UpdateStatus(kube::kVpnNodes, node.metadata.namespace_, api::Encode(updated));
  if (!saved.ok()) return saved.status();
  const bool kept = saved->contains("status") && (*saved)["status"].is_object() && (*saved)["status"].contains("inbounds");
  if (next.inbounds.empty() || kept) return Status::Ok();
  endpoints_pruned_until_.store(now + std::chrono::duration_cast<std::chrono::nanoseconds>(kPrunedRecheck).count());
  if (!endpoints_pruned_logged_.exchange(true)) {
    spdlog::error("the API server dropped VpnNode status.inbounds: its VpnNode CRD is older than this operator; apply "
                  "this release's CRDs (kubectl apply -f crds/) so that the subscription server can build links from "
                  "the nodes node={}/{}", node.metadata.namespace_, node.metadata.name);
  }
  return Status::Ok();
}

void NodeReconciler::LogTransition(const std::string& key, const api::VpnNodeStatus& was,
                                   const api::VpnNodeStatus& next) {
  static const api::Condition kNone;
  const api::Condition* before = api::FindCondition(was.conditions, api::kReady);
  const api::Condition* after = api::FindCondition(next.conditions, api::kReady);
  if (!after) return;
  if (!before) before = &kNone;
  if (was.phase == next.phase && before->status == after->status && before->reason == after->reason) return;
  const bool bad = after->status != api::kConditionTrue;
  spdlog::log(bad ? spdlog::level::warn : spdlog::level::info, "node {} node={} phase={} was={} ready={} reason={}{}{}",
              was.phase == next.phase ? "condition changed" : "phase changed", key, next.phase,
              was.phase.empty() ? "none" : was.phase, after->status, after->reason, bad ? " message=" : "",
              bad ? after->message : "");
}

Result<runtime::ReconcileResult> NodeReconciler::ReleaseFinalizer(const kube::Json& obj, const std::string& key) {
  if (Status s = RemoveFinalizer(*deps_.kube, kube::kVpnNodes, obj, kNodeUsersFinalizer); !s.ok()) return s;
  Forget(key);
  return runtime::ReconcileResult{};
}

Result<runtime::ReconcileResult> NodeReconciler::Reconcile(const std::string& ns, const std::string& name) {
  Pass p;
  p.ns = ns;
  p.name = name;
  p.key = kube::ObjectKey{ns, name}.String();
  if (StepResult done = Read(p)) return *done;
  if (StepResult done = RefuseInvalidSpec(p)) return *done;
  if (StepResult done = OpenSession(p)) return *done;
  const Probe probe = ProbePanel(p);
  ObserveHealth(p, probe);
  BuildStatus(p, probe);
  if (StepResult done = ReleaseIfDeleted(p, probe)) return *done;
  LogTransition(p.key, p.node.status, p.next);
  if (Status s = WriteStatusIfChanged(p.node, p.next); !s.ok()) return s;
  AnnounceInsecureTransport(p);
  Publish(p, probe);
  return NextProbe(p);
}

// 1. Read the node; a node that is gone leaves nothing behind. The finalizer goes on first, so
//    that deleting the node waits for its users to move away.
NodeReconciler::StepResult NodeReconciler::Read(Pass& p) {
  Result<kube::Json> got = deps_.kube->Get(kube::kVpnNodes, p.ns, p.name);
  if (!got.ok()) {
    if (got.status().code() != Status::Code::kNotFound) return got.status();
    Forget(p.key);
    return runtime::ReconcileResult{};
  }
  Result<api::VpnNode> decoded = api::DecodeVpnNode(*got);
  if (!decoded.ok()) return decoded.status().WithContext("VpnNode " + p.key);
  const bool has_finalizer = HasFinalizer(decoded->metadata.finalizers, kNodeUsersFinalizer);
  if (!decoded->metadata.deleting() && !has_finalizer) {
    got = AddFinalizer(*deps_.kube, kube::kVpnNodes, *got, kNodeUsersFinalizer);
    if (!got.ok()) return got.status();
    decoded = api::DecodeVpnNode(*got);
    if (!decoded.ok()) return decoded.status();
  }
  if (decoded->metadata.deleting() && !has_finalizer) {
    Forget(p.key);
    return runtime::ReconcileResult{};
  }
  p.obj = *std::move(got);
  p.node = *std::move(decoded);
  p.gen = p.node.metadata.generation;
  p.now = FormatRfc3339(deps_.clock->Now());
  p.next = p.node.status;
  p.next.observed_generation = p.gen;
  p.deleted_and_empty = p.node.metadata.deleting() && (deps_.users_on_node ? deps_.users_on_node(p.key) : 0) == 0;
  p.interval = p.node.spec.probe ? std::chrono::seconds(p.node.spec.probe->interval_seconds) : options_.probe_interval;
  return std::nullopt;
}

// 2. A spec the schema could not catch: say which fields, probe nothing.
NodeReconciler::StepResult NodeReconciler::RefuseInvalidSpec(Pass& p) {
  FieldErrors errs = api::ValidateVpnNode(p.node);
  if (errs.empty()) return std::nullopt;
  if (p.deleted_and_empty) return ReleaseFinalizer(p.obj, p.key);
  if (p.next.phase.empty()) p.SetPhase(api::kPhasePending);
  p.Set(api::MakeCondition(api::kReady, false, api::kReasonInvalidSpec, Status::Invalid(errs).message(), p.gen));
  p.Set(UnknownCondition(api::kReachable, api::kReasonNotProbed, "the spec must be fixed first", p.gen));
  if (Status s = WriteStatusIfChanged(p.node, p.next); !s.ok()) return s;
  return runtime::ReconcileResult{};
}

// 3. The panel's session, with the credentials (and CA) from Secrets. Whether its transport is
//    insecure is said first, also when it is refused for it.
NodeReconciler::StepResult NodeReconciler::OpenSession(Pass& p) {
  p.Set(InsecureTransportCondition(p.node.spec.panel, p.gen));
  std::string reason;
  Result<panel::PanelEndpoint> endpoint = PanelEndpointFor(*deps_.kube, p.node, options_.probe_timeout, options_.panel_hosts, &reason);
  if (!endpoint.ok()) {
    if (p.deleted_and_empty) return ReleaseFinalizer(p.obj, p.key);
    if (p.next.phase.empty()) p.SetPhase(api::kPhasePending);
    p.Set(api::MakeCondition(api::kReady, false, reason, endpoint.status().message(), p.gen));
    p.Set(UnknownCondition(api::kReachable, api::kReasonNotProbed, "no credentials to log in with", p.gen));
    if (Status s = WriteStatusIfChanged(p.node, p.next); !s.ok()) return s;
    AnnounceInsecureTransport(p);
    return runtime::ReconcileResult{p.interval};
  }
  Result<std::shared_ptr<panel::PanelSession>> session = deps_.panels->Get(p.key, *endpoint);
  if (!session.ok()) return session.status();
  p.session = *std::move(session);
  ResumeLoginHold(p);
  return std::nullopt;
}

void NodeReconciler::AnnounceInsecureTransport(const Pass& p) {
  if (!InsecureTransportBegan(p.node.status.conditions, p.next.conditions)) return;
  const api::Condition* c = api::FindCondition(p.next.conditions, api::kInsecureTransport);
  spdlog::warn("insecure panel transport node={} reason={}", p.key, c->reason);
  RecordEvent(deps_.events, p.obj, "Warning", api::kInsecureTransport, "Probe", c->message);
}

void NodeReconciler::ResumeLoginHold(Pass& p) {
  {
    MutexLock lock(mu_);
    NodeState& st = StateFor(p.key, p.node);
    if (st.login_hold_checked) return;
    st.login_hold_checked = true;
  }
  // The previous run's refusals, as the status says: Ready=False LoginFailed since its
  // lastTransitionTime. The back-off goes on from there; no status field is written for it.
  const api::Condition* ready = api::FindCondition(p.node.status.conditions, api::kReady);
  if (!ready || ready->status != api::kConditionFalse || ready->reason != api::kReasonLoginFailed) return;
  const std::optional<TimePoint> since = ParseRfc3339(ready->last_transition_time);
  if (!since) return;
  const api::Condition* reachable = api::FindCondition(p.node.status.conditions, api::kReachable);
  p.session->client().ResumeLoginBackoff(*since, reachable ? reachable->message : "the panel refused the credentials");
  spdlog::info("login back-off resumed node={} refused_since={} reason=LoginBackoff", p.key, ready->last_transition_time);
}

// 4. Probe: the panel answers when its inbound list comes back (its status may still be warming
//    up for a moment after a start) and Xray runs.
NodeReconciler::Probe NodeReconciler::ProbePanel(Pass& p) {
  panel::PanelClient& client = p.session->client();
  auto started = std::chrono::steady_clock::now();
  Status connected = client.Connect();  // logs in and detects the API flavor, once per session
  Result<panel::ServerStatus> server = connected.ok() ? client.GetServerStatus() : Result<panel::ServerStatus>(connected);
  // Shared, not copied: a full panel's listing is large, and it is probed every few seconds.
  Result<panel::PanelSession::Listing> inbounds = p.session->SharedListing(std::chrono::milliseconds(0));  // refreshes the kept copy
  Probe probe;
  probe.latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  const bool status_ok = server.ok() || server.status().reason() == panel::kReasonStatusNotReady;
  probe.facts.reachable = inbounds.ok() && status_ok;
  probe.facts.failure = !inbounds.ok() ? inbounds.status() : (!status_ok ? server.status() : Status::Ok());
  if (probe.facts.reachable && server.ok() && !server->healthy()) {
    probe.facts.reachable = false;
    probe.facts.failure =
        Status::Unavailable("xray is " + server->xray_state + (server->xray_error.empty() ? "" : ": " + server->xray_error));
  }
  if (server.ok()) probe.server = *std::move(server);
  if (inbounds.ok()) {
    probe.facts.missing = MissingInbounds(p.node.spec, **inbounds);
    probe.inbounds = *std::move(inbounds);
  }
  return probe;
}

// 5. Health. (The lock guards the node states only; no network call is made while holding it.)
void NodeReconciler::ObserveHealth(Pass& p, const Probe& probe) {
  MutexLock lock(mu_);
  NodeState& st = StateFor(p.key, p.node);
  st.health.Observe(probe.facts.reachable, deps_.clock->Now());
  if (probe.facts.reachable) st.latency.Add(probe.latency);
  p.median_latency = st.latency.Median();
  p.phase = st.health.phase();
  p.evacuate = st.health.ShouldEvacuate(deps_.clock->Now());
  p.evacuate_at = st.health.EvacuateAt();
}

// 6. The status the probe implies, with the inbounds' endpoints the users' links are built from.
void NodeReconciler::BuildStatus(Pass& p, const Probe& probe) {
  const bool answering = p.phase == health::Phase::kReady || p.phase == health::Phase::kDegraded;
  p.SetPhase(p.node.spec.drain && answering ? api::kPhaseDraining : health::PhaseName(p.phase));
  ProbeFacts facts = probe.facts;
  facts.phase = p.phase;
  p.Set(ReachableCondition(facts, p.gen));
  p.Set(SchedulableCondition(p.node.spec, p.gen));
  p.Set(ReadyCondition(facts, p.node.spec, p.gen));
  if (facts.reachable) {
    RepairDrift(p.node, *probe.inbounds, &p.next);
    p.next.inbounds = PublishedEndpoints(p.node.spec, *probe.inbounds);
  }
  p.next.users = deps_.users_on_node ? deps_.users_on_node(p.key) : 0;
  p.next.capacity = p.node.spec.capacity.max_users;
  if (!facts.reachable) return;
  if (const int64_t ms = LatencyBucket(p.median_latency); LatencyWorthWriting(p.next.latency_ms, ms)) p.next.latency_ms = ms;
  p.next.api_flavor = panel::ApiFlavorName(p.session->client().flavor());
  if (probe.server) {
    p.next.xray_version = probe.server->xray_version;
    p.next.panel_version = probe.server->panel_version;
  }
}

// 7. A deleted node goes once its users have moved away and its panel holds no owned client (a
//    panel that does not answer cannot be cleaned: its users' moves are all it waits for).
NodeReconciler::StepResult NodeReconciler::ReleaseIfDeleted(Pass& p, const Probe& probe) {
  if (!p.node.metadata.deleting()) return std::nullopt;
  const bool clean = !probe.facts.reachable || p.next.drift.extra == 0;
  if (p.next.users == 0 && clean) return ReleaseFinalizer(p.obj, p.key);
  p.Set(api::MakeCondition(api::kReady, false, api::kReasonDeleting,
                           p.next.users > 0 ? "waiting for " + std::to_string(p.next.users) + " user(s) to move to other nodes"
                                            : "removing the owned clients left on the panel",
                           p.gen));
  return std::nullopt;
}

// 8. Metrics, the ledger row, and the balancer's view.
void NodeReconciler::Publish(Pass& p, const Probe& probe) {
  const bool answering = p.phase == health::Phase::kReady || p.phase == health::Phase::kDegraded;
  if (deps_.metrics) {
    deps_.metrics->NodeUp(p.key, answering);
    deps_.metrics->NodeUsers(p.key, static_cast<double>(p.next.users));
    deps_.metrics->NodeCapacity(p.key, static_cast<double>(p.next.capacity));
    deps_.metrics->NodeInfo(p.key, p.node.spec.priority, p.node.spec.region);
    deps_.metrics->ProbeDuration(p.key, std::chrono::duration<double>(probe.latency).count());
  }
  const api::VpnNode& node = p.node;
  MutexLock lock(mu_);
  NodeState& st = StateFor(p.key, node);
  store::NodeRow row{p.ns, p.name, node.spec.panel.url, node.spec.public_host, node.spec.capacity.max_users,
                     node.spec.priority, node.spec.weight, node.spec.region, p.next.phase, st.ledger_row.last_check};
  if (!st.ledger_written || row.status != st.ledger_row.status) row.last_check = deps_.clock->Now();
  if (deps_.ledger && (!st.ledger_written || !(row == st.ledger_row))) {
    deps_.ledger->Enqueue("vpn_nodes row of " + p.key, [row](store::LedgerStore& s) { return s.UpsertNodes({row}); });
    st.ledger_row = row;
    st.ledger_written = true;
  }
  const bool was_evacuating = st.view.evacuating();
  st.view = ViewOf(node, health::PhaseName(p.phase), p.evacuate);
  if (st.view.evacuating() && !was_evacuating) {
    spdlog::info("evacuating node={} reason={} users={}", p.key, st.view.evacuate_reason, p.next.users);
  }
  st.view.users = p.next.users;
}

// 9. Come back after the probe interval, or when the failover grace ends if that is sooner (a
//    deleted node sooner still: its deletion waits on it).
runtime::ReconcileResult NodeReconciler::NextProbe(const Pass& p) const {
  runtime::ReconcileResult result{p.node.metadata.deleting() ? std::min(p.interval, kDeletingRecheck) : p.interval};
  if (p.phase == health::Phase::kUnreachable && !p.evacuate) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(p.evacuate_at - deps_.clock->Now());
    result.requeue_after = std::max(std::chrono::milliseconds(1), std::min(p.interval, until));
  }
  return result;
}

}  // namespace x3ui::controller
