#include "controller/node_reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "controller/finalizers.h"
#include "controller/panel_endpoint.h"

#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/api/validation.h"

namespace x3ui::controller {
namespace {

using api::Condition;

constexpr auto Cond = api::MakeCondition;
constexpr std::chrono::milliseconds kDeletingRecheck{2000};

Condition Unknown(const char* type, const std::string& reason, const std::string& message, int64_t gen) {
  return Condition{.type = type, .status = api::kConditionUnknown, .observed_generation = gen, .reason = reason,
                   .message = message};
}

// The panel inbounds that spec.inbounds names but the panel lacks, as "name (id 1)".
std::vector<std::string> MissingInbounds(const api::VpnNodeSpec& spec, const std::vector<panel::Inbound>& on_panel) {
  std::vector<std::string> missing;
  for (const auto& want : spec.inbounds) {
    bool found = false;
    for (const auto& have : on_panel) {
      if ((want.id && have.id == *want.id) || (!want.tag.empty() && have.tag == want.tag)) found = true;
    }
    if (!found) missing.push_back(want.name + (want.id ? " (id " + std::to_string(*want.id) + ")" : " (tag " + want.tag + ")"));
  }
  return missing;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

balancer::NodeView ViewOf(const api::VpnNode& node, const std::string& health_phase, bool unreachable_past_grace) {
  balancer::NodeView v;
  v.name = node.metadata.name;
  v.phase = health_phase;
  v.schedulable = !node.spec.unschedulable;
  v.evacuate_reason = node.metadata.deleting() ? "NodeDeleted"
                      : node.spec.drain         ? "NodeDraining"
                      : unreachable_past_grace  ? "NodeUnreachable"
                                                : "";
  v.max_users = node.spec.capacity.max_users;
  v.users = node.status.users;
  v.priority = node.spec.priority;
  v.weight = node.spec.weight;
  v.region = node.spec.region;
  v.labels = node.spec.labels;
  return v;
}

balancer::NodeView UnprobedView(const api::VpnNode& node) {
  // What the status last said, except that nobody fails over on a previous run's word: that
  // waits until this process has seen the node Unreachable past the grace itself.
  std::string phase = node.status.phase.empty() ? api::kPhasePending : node.status.phase;
  if (phase == api::kPhaseDraining) phase = api::kPhaseReady;
  return ViewOf(node, phase, false);
}

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
    std::lock_guard<std::mutex> l(mu_);
    nodes_.erase(key);
  }
  deps_.panels->Remove(key);
  if (deps_.metrics) deps_.metrics->RemoveNode(key);
}

std::vector<balancer::NodeView> NodeReconciler::Views(const std::string& ns) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<balancer::NodeView> out;
  for (const auto& [key, st] : nodes_) {
    if (ns.empty() || key.rfind(ns + "/", 0) == 0) out.push_back(st.view);
  }
  return out;
}

Status NodeReconciler::WriteStatusIfChanged(const api::VpnNode& node, const api::VpnNodeStatus& next) {
  if (next == node.status) return Status::Ok();
  api::VpnNode updated = node;
  updated.status = next;
  return deps_.kube->UpdateStatus(kube::kVpnNodes, node.metadata.namespace_, api::Encode(updated)).status();
}

void NodeReconciler::RepairDrift(const api::VpnNode& node,
                                 const std::vector<panel::Inbound>& inbounds, api::VpnNodeStatus* next) {
  const std::string& ns = node.metadata.namespace_;
  const std::string& name = node.metadata.name;
  if (!deps_.placed_users) return;
  std::optional<std::vector<PlacedUser>> placed = deps_.placed_users(ns, name);
  if (!placed) return;
  DriftReport drift = DiffOwnedClients(ns, node.spec, inbounds, *placed, deps_.expected_keys);
  if (!(drift.counts == next->drift)) {
    const auto& c = drift.counts;
    spdlog::info("drift node={}/{} missing={} stale={} extra={} foreign={}{}", ns, name, c.missing, c.stale, c.extra,
                 c.foreign, c.missing + c.stale + c.extra > 0 ? " action=repairing" : "");
  }
  next->drift = drift.counts;
  // Extra clients are removed by the cleanup controller, off this probe: thousands of them
  // (a panel back after its users failed over) would hold the probe for minutes.
  if (!drift.extra.empty() && deps_.remove_extra) deps_.remove_extra(ns, name, drift.extra);
  if (deps_.repair) {
    for (const auto& user : drift.repair) deps_.repair(ns, user);
  }
  if (deps_.metrics) {
    const std::string key = ns + "/" + name;
    deps_.metrics->DriftClients(key, "missing", static_cast<double>(drift.counts.missing));
    deps_.metrics->DriftClients(key, "stale", static_cast<double>(drift.counts.stale));
    deps_.metrics->DriftClients(key, "extra", static_cast<double>(drift.counts.extra));
    deps_.metrics->DriftClients(key, "foreign", static_cast<double>(drift.counts.foreign));
  }
  const auto& c = drift.counts;
  const int64_t gen = node.metadata.generation;
  const std::string now_text = FormatRfc3339(deps_.clock->Now());
  if (c.missing + c.stale + c.extra == 0) {
    api::SetCondition(&next->conditions, Cond(api::kInSync, true, "InSync", "every owned client matches its assignment", gen),
                      now_text);
    return;
  }
  std::string message = std::to_string(c.missing) + " missing, " + std::to_string(c.stale) + " stale, " +
                        std::to_string(c.extra) + " extra owned client(s): repairing";
  api::SetCondition(&next->conditions, Cond(api::kInSync, false, "Drift", message, gen), now_text);
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

Result<ReconcileResult> NodeReconciler::ReleaseFinalizer(const kube::Json& obj, const std::string& key) {
  if (Status s = RemoveFinalizer(*deps_.kube, kube::kVpnNodes, obj, kNodeUsersFinalizer); !s.ok()) return s;
  Forget(key);
  return ReconcileResult{};
}

Result<ReconcileResult> NodeReconciler::Reconcile(const std::string& ns, const std::string& name) {
  const std::string key = ns + "/" + name;
  // 1. Read the node; a node that is gone leaves nothing behind.
  Result<kube::Json> got = deps_.kube->Get(kube::kVpnNodes, ns, name);
  if (!got.ok()) {
    if (got.status().code() != Status::Code::kNotFound) return got.status();
    Forget(key);
    return ReconcileResult{};
  }
  Result<api::VpnNode> decoded = api::DecodeVpnNode(*got);
  if (!decoded.ok()) return decoded.status().WithContext("VpnNode " + key);
  // The finalizer goes on first, so that deleting the node waits for its users to move away.
  const bool has_finalizer = HasFinalizer(decoded->metadata.finalizers, kNodeUsersFinalizer);
  if (!decoded->metadata.deleting() && !has_finalizer) {
    got = AddFinalizer(*deps_.kube, kube::kVpnNodes, *got, kNodeUsersFinalizer);
    if (!got.ok()) return got.status();
    decoded = api::DecodeVpnNode(*got);
    if (!decoded.ok()) return decoded.status();
  }
  if (decoded->metadata.deleting() && !has_finalizer) {
    Forget(key);
    return ReconcileResult{};
  }
  const api::VpnNode& node = *decoded;
  const int64_t gen = node.metadata.generation;
  const std::string now_text = FormatRfc3339(deps_.clock->Now());
  api::VpnNodeStatus next = node.status;
  next.observed_generation = gen;
  auto set = [&](Condition c) { api::SetCondition(&next.conditions, std::move(c), now_text); };
  auto set_phase = [&](const std::string& phase) {
    if (next.phase != phase) next.last_transition_time = now_text;
    next.phase = phase;
  };

  // A deleted node that cannot be probed (bad spec, no credentials) goes once nobody is on it.
  const bool deleted_and_empty =
      node.metadata.deleting() && (deps_.users_on_node ? deps_.users_on_node(key) : 0) == 0;

  // 2. A spec the schema could not catch: say which fields, probe nothing.
  if (FieldErrors errs = api::ValidateVpnNode(node); !errs.empty()) {
    if (deleted_and_empty) return ReleaseFinalizer(*got, key);
    if (next.phase.empty()) set_phase(api::kPhasePending);
    set(Cond(api::kReady, false, "InvalidSpec", Status::Invalid(errs).message(), gen));
    set(Unknown(api::kReachable, "NotProbed", "the spec must be fixed first", gen));
    Status s = WriteStatusIfChanged(node, next);
    if (!s.ok()) return s;
    return ReconcileResult{};
  }
  std::chrono::milliseconds interval =
      node.spec.probe ? std::chrono::seconds(node.spec.probe->interval_seconds) : options_.probe_interval;

  // 3. Credentials (and CA) from Secrets.
  std::string reason;
  Result<panel::PanelEndpoint> endpoint = PanelEndpointFor(*deps_.kube, node, options_.probe_timeout, options_.panel_hosts, &reason);
  if (!endpoint.ok()) {
    if (deleted_and_empty) return ReleaseFinalizer(*got, key);
    if (next.phase.empty()) set_phase(api::kPhasePending);
    set(Cond(api::kReady, false, reason, endpoint.status().message(), gen));
    set(Unknown(api::kReachable, "NotProbed", "no credentials to log in with", gen));
    Status s = WriteStatusIfChanged(node, next);
    if (!s.ok()) return s;
    return ReconcileResult{interval};
  }
  Result<std::shared_ptr<panel::PanelSession>> session = deps_.panels->Get(key, *endpoint);
  if (!session.ok()) return session.status();
  panel::PanelClient& client = (*session)->client();

  // 4. Probe: the panel answers when its inbound list comes back (its status may still be
  //    warming up for a moment after a start).
  auto started = std::chrono::steady_clock::now();
  Status connected = client.Connect();  // logs in and detects the API flavor, once per session
  Result<panel::ServerStatus> server = connected.ok() ? client.GetServerStatus() : Result<panel::ServerStatus>(connected);
  Result<std::vector<panel::Inbound>> inbounds = (*session)->ListInbounds();  // refreshes the kept copy
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  bool status_ok = server.ok() || server.status().reason() == "StatusNotReady";
  bool reachable = inbounds.ok() && status_ok;
  Status failure = !inbounds.ok() ? inbounds.status() : (!status_ok ? server.status() : Status::Ok());
  if (reachable && server.ok() && !server->healthy()) {
    reachable = false;
    failure = Status::Unavailable("xray is " + server->xray_state + (server->xray_error.empty() ? "" : ": " + server->xray_error));
  }

  // 5. Health, and the status it implies. (The lock guards the node states only; no network
  //    call is made while holding it.)
  health::Phase phase;
  bool evacuate;
  TimePoint evacuate_at;
  std::chrono::milliseconds median_latency{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    NodeState& st = StateFor(key, node);
    st.health.Observe(reachable, deps_.clock->Now());
    if (reachable) st.latency.Add(latency);
    median_latency = st.latency.Median();
    phase = st.health.phase();
    evacuate = st.health.ShouldEvacuate(deps_.clock->Now());
    evacuate_at = st.health.EvacuateAt();
  }
  bool answering = phase == health::Phase::kReady || phase == health::Phase::kDegraded;
  set_phase(node.spec.drain && answering ? api::kPhaseDraining : health::PhaseName(phase));
  if (reachable) {
    set(Cond(api::kReachable, true, "ProbeSucceeded", "the panel answers", gen));
  } else {
    set(Cond(api::kReachable, false, "ProbeFailed", failure.message(), gen));
  }
  if (node.spec.drain) {
    set(Cond(api::kSchedulable, false, "Draining", "spec.drain is set: users are moved away", gen));
  } else if (node.spec.unschedulable) {
    set(Cond(api::kSchedulable, false, "Cordoned", "spec.unschedulable is set: no new users", gen));
  } else {
    set(Cond(api::kSchedulable, true, "Schedulable", "the node takes new users", gen));
  }
  std::vector<std::string> missing = inbounds.ok() ? MissingInbounds(node.spec, *inbounds) : std::vector<std::string>{};
  const bool login_refused = failure.reason() == "LoginFailed" || failure.reason() == "LoginBackoff";
  if (!reachable && login_refused) {
    set(Cond(api::kReady, false, "LoginFailed",
             "the panel refuses the credentials of Secret " + node.spec.panel.credentials_secret_ref.name +
                 " (fix them there; logins are retried at most every 15 min so that the panel's limiter does "
                 "not lock the account): " + failure.message(),
             gen));
  } else if (!missing.empty()) {
    set(Cond(api::kReady, false, "InboundMissing", "the panel has no inbound " + Join(missing), gen));
  } else if (phase == health::Phase::kReady) {
    set(Cond(api::kReady, true, "PanelReady", "the panel answers and has every inbound", gen));
  } else if (phase == health::Phase::kPending) {
    set(Cond(api::kReady, false, "NotYetReachable", "the panel has not answered yet: " + failure.message(), gen));
  } else {
    set(Cond(api::kReady, false, health::PhaseName(phase), "probes fail: " + failure.message(), gen));
  }
  if (reachable) RepairDrift(node, *inbounds, &next);
  next.users = deps_.users_on_node ? deps_.users_on_node(key) : 0;
  next.capacity = node.spec.capacity.max_users;
  if (reachable) {
    if (const int64_t ms = LatencyBucket(median_latency); LatencyWorthWriting(next.latency_ms, ms)) next.latency_ms = ms;
    next.api_flavor = panel::ApiFlavorName(client.flavor());
    if (server.ok()) {
      next.xray_version = server->xray_version;
      next.panel_version = server->panel_version;
    }
  }

  // 6. A deleted node goes once its users have moved away and its panel holds no owned client
  //    (a panel that does not answer cannot be cleaned: its users' moves are all it waits for).
  if (node.metadata.deleting()) {
    const bool clean = !reachable || next.drift.extra == 0;
    if (next.users == 0 && clean) return ReleaseFinalizer(*got, key);
    set(Cond(api::kReady, false, "Deleting",
             next.users > 0 ? "waiting for " + std::to_string(next.users) + " user(s) to move to other nodes"
                            : "removing the owned clients left on the panel",
             gen));
  }

  // 7. Write only what changed; a change of phase or readiness is a line in the log.
  LogTransition(key, node.status, next);
  if (Status s = WriteStatusIfChanged(node, next); !s.ok()) return s;

  // 8. Metrics, the ledger row, and the balancer's view.
  if (deps_.metrics) {
    deps_.metrics->NodeUp(key, answering);
    deps_.metrics->NodeUsers(key, static_cast<double>(next.users));
    deps_.metrics->NodeCapacity(key, static_cast<double>(next.capacity));
    deps_.metrics->ProbeDuration(key, std::chrono::duration<double>(latency).count());
  }
  std::lock_guard<std::mutex> lock(mu_);
  NodeState& st = StateFor(key, node);
  store::NodeRow row{ns, name, node.spec.panel.url, node.spec.public_host, node.spec.capacity.max_users,
                     node.spec.priority, node.spec.weight, node.spec.region, next.phase, st.ledger_row.last_check};
  if (!st.ledger_written || row.status != st.ledger_row.status) row.last_check = deps_.clock->Now();
  if (deps_.ledger && (!st.ledger_written || !(row == st.ledger_row))) {
    deps_.ledger->Enqueue("vpn_nodes row of " + key, [row](store::LedgerStore& s) { return s.UpsertNodes({row}); });
    st.ledger_row = row;
    st.ledger_written = true;
  }
  const bool was_evacuating = st.view.evacuating();
  st.view = ViewOf(node, health::PhaseName(phase), evacuate);
  if (st.view.evacuating() && !was_evacuating) {
    spdlog::info("evacuating node={} reason={} users={}", key, st.view.evacuate_reason, next.users);
  }
  st.view.users = next.users;

  // 9. Come back after the probe interval, or when the failover grace ends if that is sooner (a
  //    deleted node sooner still: its deletion waits on it).
  ReconcileResult result{node.metadata.deleting() ? std::min(interval, kDeletingRecheck) : interval};
  if (phase == health::Phase::kUnreachable && !evacuate) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(evacuate_at - deps_.clock->Now());
    result.requeue_after = std::max(std::chrono::milliseconds(1), std::min(interval, until));
  }
  return result;
}

}  // namespace x3ui::controller
