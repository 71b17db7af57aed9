// File: controller/node/reconciler.h
//
// NodeReconciler: one pass over one VpnNode (health, drift, status), as named steps: read the
// node; refuse an invalid spec with Ready=False naming the fields; say whether the panel's
// transport is insecure (InsecureTransport); open the panel's session with the credentials (and
// CA) from Secrets; probe it (server status and inbound list); feed the
// health state machine; build the status (status.h's conditions; drift.cc's diff of the owned
// clients against the assignments placed here: extra ones handed to the cleanup controller,
// missing or stale ones to their assignment's reconciler, foreign ones never touched); release a
// deleted node once nobody is left on it; write the status only when something a user would care
// about changed (no heartbeat writes: latency.h); publish metrics, the ledger's vpn_nodes row and
// the balancer's view (view.h); come back after the probe interval.
//
// The finalizer x3ui.io/node-users holds a deleted node while users are placed on it (they are
// moved away, as for a drain) and while its panel still holds owned clients.
//
// Dependencies are injected so that tests can run it against the fake API server and x3ui-sim.
//
// Thread-safety: Reconcile may run concurrently for different keys (the work queue guarantees one
// worker per key); Views may be called from any thread.
#ifndef X3UI_CONTROLLER_NODE_RECONCILER_H_
#define X3UI_CONTROLLER_NODE_RECONCILER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "controller/owned_clients.h"
#include "controller/panel_host_policy.h"
#include "pkg/api/types.h"
#include "pkg/balancer/placement_policy.h"
#include "pkg/common/clock.h"
#include "controller/node/latency.h"
#include "controller/node/view.h"
#include "pkg/health/node_health.h"
#include "pkg/kube/client.h"
#include "pkg/kube/events.h"
#include "pkg/metrics/metrics.h"
#include "pkg/runtime/reconcile_result.h"
#include "pkg/store/write_queue.h"
#include "pkg/x3ui/session_pool.h"
#include "pkg/common/mutex.h"

namespace x3ui::controller {

struct NodeReconcilerDeps {
  kube::KubeClient* kube = nullptr;             // required: reads nodes and Secrets, writes status
  panel::PanelSessionPool* panels = nullptr;    // required
  const Clock* clock = nullptr;                 // required
  metrics::Metrics* metrics = nullptr;          // optional
  store::LedgerWriteQueue* ledger = nullptr;    // optional: no ledger rows without it
  // Users placed on a node ("namespace/name"); optional (0 without it).
  std::function<int64_t(const std::string& node_key)> users_on_node;
  // The assignments placed on node `ns/node`, including placements still in flight; nullopt while
  // that is not known yet (caches still filling), when the drift diff is skipped rather than
  // every owned client being taken for an extra one. Optional: no drift diff without it.
  std::function<std::optional<std::vector<PlacedUser>>(const std::string& ns, const std::string& node)> placed_users;
  // Asks for assignment `ns/name` to be reconciled: its client here is missing or stale, and only
  // its reconciler holds the credentials to rewrite it. Optional.
  std::function<void(const std::string& ns, const std::string& name)> repair;
  // Takes the extra owned clients (lower-case emails) the drift diff of node `ns/name` found, for
  // the cleanup controller to remove. Optional (without it they are counted, not removed).
  std::function<void(const std::string& ns, const std::string& name, std::vector<std::string> emails)> remove_extra;
  // The keys each owned client must carry, as the assignments' passes recorded them; optional
  // (without it a client's keys are not compared).
  const ExpectedKeys* expected_keys = nullptr;
  // Records the Warning Event InsecureTransport when a node's transport becomes insecure;
  // optional (no Events without it).
  kube::EventRecorder* events = nullptr;
};

struct NodeReconcilerOptions {
  health::HealthPolicy health;                       // --failure-threshold etc.; spec.probe overrides
  std::chrono::milliseconds probe_interval{30000};   // --probe-interval; spec.probe overrides
  std::chrono::milliseconds probe_timeout{10000};
  PanelHostPolicy panel_hosts;                       // --panel-host-allow/--panel-host-deny
};

class NodeReconciler {
 public:
  NodeReconciler(NodeReconcilerDeps deps, NodeReconcilerOptions options);

  // One pass for node `ns/name`. Errors (a failed status write, say) are for the work queue to
  // retry with backoff; probe failures are not errors, they are what the status reports.
  Result<runtime::ReconcileResult> Reconcile(const std::string& ns, const std::string& name);

  // What the balancer needs of every node seen so far in namespace `ns` (all when empty).
  std::vector<balancer::NodeView> Views(const std::string& ns = "") const;

 private:
  struct NodeState {
    health::NodeHealth health;
    LatencyWindow latency;  // the last probes' latencies, for status.latencyMs
    balancer::NodeView view;
    store::NodeRow ledger_row;
    bool ledger_written = false;
    bool login_hold_checked = false;  // the status's login hold was resumed (once per process)
  };

  struct Pass;   // one Reconcile's state, step to step (reconciler.cc)
  struct Probe;  // what one probe found
  using StepResult = std::optional<Result<runtime::ReconcileResult>>;
  StepResult Read(Pass& p);
  StepResult RefuseInvalidSpec(Pass& p);
  StepResult OpenSession(Pass& p);
  // The login back-off of a panel whose refusals the status reports (Ready=False LoginFailed)
  // is resumed from their start, once per process.
  void ResumeLoginHold(Pass& p);
  // Once the status saying so is written: a Warning Event when InsecureTransport became True.
  void AnnounceInsecureTransport(const Pass& p);
  Probe ProbePanel(Pass& p);
  void ObserveHealth(Pass& p, const Probe& probe);
  void BuildStatus(Pass& p, const Probe& probe);
  StepResult ReleaseIfDeleted(Pass& p, const Probe& probe);
  void Publish(Pass& p, const Probe& probe);
  runtime::ReconcileResult NextProbe(const Pass& p) const;

  NodeState& StateFor(const std::string& key, const api::VpnNode& node) REQUIRES(mu_);
  void Forget(const std::string& key);
  // Writes `next` unless the status already says it. An API server whose VpnNode CRD predates
  // status.inbounds prunes it from every write: that is logged (once), and for 10 minutes the
  // inbounds are left out of the comparison, so that each probe does not write again; then a
  // write tries again, which publishes them once the CRD has been updated.
  Status WriteStatusIfChanged(const api::VpnNode& node, const api::VpnNodeStatus& next);
  Result<runtime::ReconcileResult> ReleaseFinalizer(const kube::Json& obj, const std::string& key);
  // One log line when the phase or the Ready condition changes (a login refused, a node gone
  // Unreachable, back to Ready).
  static void LogTransition(const std::string& key, const api::VpnNodeStatus& was, const api::VpnNodeStatus& next);
  // The drift diff and its repair; sets status.drift and the InSync condition on `next`.
  void RepairDrift(const api::VpnNode& node, const std::vector<panel::Inbound>& inbounds,
                   api::VpnNodeStatus* next);

  NodeReconcilerDeps deps_;
  NodeReconcilerOptions options_;
  mutable Mutex mu_;
  std::map<std::string, NodeState> nodes_ GUARDED_BY(mu_);  // by namespace/name
  // Until when the CRD is taken to lack status.inbounds (clock nanoseconds since the epoch; 0:
  // never seen pruned), and whether that was logged.
  std::atomic<int64_t> endpoints_pruned_until_{0};
  std::atomic<bool> endpoints_pruned_logged_{false};
};

// Holds a deleted VpnNode until its users have moved to other nodes and its panel's owned
// clients are gone, so that deleting a node never strands a user nor leaves access behind.
inline constexpr char kNodeUsersFinalizer[] = "x3ui.io/node-users";

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_RECONCILER_H_
