// File: pkg/metrics/metrics.h
//
// Metrics: every series the operator exports, in one prometheus-cpp registry — the
// controller-runtime families with their exact names and labels (operator-conventions.md §3),
// the domain series of SPEC.md §5, and process_* read from /proc (prometheus-cpp has no process
// collector). Exposition() renders the text format for /metrics.
//
// Thread-safety: all methods may be called concurrently (prometheus-cpp metrics are atomic;
// family lookups are synchronised by the library).
#ifndef X3UI_PKG_METRICS_METRICS_H_
#define X3UI_PKG_METRICS_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

namespace prometheus {
class Registry;
}

namespace x3ui::metrics {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // --- controller-runtime --------------------------------------------------------------------
  // Pre-sets the controller's reconcile series to 0, as controller-runtime does at start.
  void RegisterController(const std::string& controller, int max_concurrent_reconciles);
  // result: success | error | requeue | requeue_after.
  void ObserveReconcile(const std::string& controller, const std::string& result, double seconds);
  void ReconcileError(const std::string& controller);
  void TerminalReconcileError(const std::string& controller);
  void ReconcilePanic(const std::string& controller);
  void ActiveWorkers(const std::string& controller, int delta);

  // Work queue series; `name` is the controller name (both the name and controller labels).
  void QueueDepth(const std::string& name, double depth);
  void QueueAdd(const std::string& name);
  void QueueRetry(const std::string& name);
  void QueueLatency(const std::string& name, double seconds);
  void WorkDuration(const std::string& name, double seconds);
  void UnfinishedWork(const std::string& name, double seconds, double longest_seconds);

  void LeaderStatus(const std::string& name, bool leading);
  void LeaderSlowpath(const std::string& name);
  // rest_client_requests_total{code,method,host}
  void RestRequest(const std::string& code, const std::string& method, const std::string& host);

  // --- domain ---------------------------------------------------------------------------------
  void NodeUp(const std::string& node, bool up);
  void NodeUsers(const std::string& node, double users);
  void NodeCapacity(const std::string& node, double capacity);
  // x3ui_node_info{node, priority, region} = 1: what alerts and dashboards join the per-node
  // series on to group them by priority tier or region (a changed tier replaces the series).
  void NodeInfo(const std::string& node, int64_t priority, const std::string& region);
  void ProbeDuration(const std::string& node, double seconds);
  void Assignments(const std::string& phase, double count);
  void Migration(const std::string& reason, const std::string& result);
  void PanelRequest(const std::string& node, const std::string& op, const std::string& outcome);
  // kind: missing | stale | extra | foreign
  void LedgerRoundTrip(bool ok);
  // x3ui_ledger_writes_dropped_total: a write refused because the write queue was at its cap.
  void LedgerWriteDropped();
  // x3ui_ledger_writes_pending: writes queued for the ledger and not yet applied (set when
  // scraped); it grows through a database outage and drains after it.
  void LedgerWritesPending(double count);
  void DriftClients(const std::string& node, const std::string& kind, double count);
  // Drops the per-node series of a deleted node.
  void RemoveNode(const std::string& node);

  // The Prometheus text exposition of everything, process_* included.
  std::string Exposition() const;
  std::shared_ptr<prometheus::Registry> registry() const;

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
};

}  // namespace x3ui::metrics

#endif  // X3UI_PKG_METRICS_METRICS_H_
