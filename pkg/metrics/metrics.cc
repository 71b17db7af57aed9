#include "pkg/metrics/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "pkg/api/reasons.h"

namespace x3ui::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// controller-runtime's reconcile_time_seconds buckets (0.005 s to 60 s, 40 of them).
const Histogram::BucketBoundaries kReconcileBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5,
    1.75,  2.0,  2.5,   3.0,  3.5, 4.0,  4.5, 5,    6,   7,    8,   9,    10,  15,  20,  25,  30,  40,  50,  60};

// workqueue's ExponentialBuckets(1e-8, 10, 12).
Histogram::BucketBoundaries QueueBuckets() {
  Histogram::BucketBoundaries b;
  double v = 1e-8;
  for (int i = 0; i < 12; ++i, v *= 10) b.push_back(v);
  return b;
}

const Histogram::BucketBoundaries kProbeBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// process_* from /proc/self, as client_golang's process collector reports them.
struct ProcessStats {
  double cpu_seconds = 0, rss = 0, vsize = 0, start_time = 0, open_fds = 0, max_fds = 0;
};

ProcessStats ReadProcess() {
  ProcessStats p;
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name (which may contain spaces) start after the last ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::vector<std::string> f;
  for (std::string tok; rest >> tok;) f.push_back(tok);
  // f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
  auto field = [&](int n) { return n - 3 < static_cast<int>(f.size()) ? std::stod(f[n - 3]) : 0.0; };
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  p.cpu_seconds = (field(14) + field(15)) / ticks;
  p.vsize = field(23);
  p.rss = field(24) * static_cast<double>(sysconf(_SC_PAGESIZE));
  std::ifstream procstat("/proc/stat");
  double btime = 0;
  while (std::getline(procstat, line)) {
    if (line.rfind("btime ", 0) == 0) btime = std::stod(line.substr(6));
  }
  p.start_time = btime + field(22) / ticks;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++p.open_fds;
    closedir(d);
    p.open_fds -= 3;  // ".", ".." and the directory's own descriptor
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = static_cast<double>(rl.rlim_cur);
  return p;
}

std::string ProcessExposition() {
  ProcessStats p = ReadProcess();
  std::ostringstream out;
  auto metric = [&out](const char* name, const char* type, const char* help, double v) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
  };
  out.precision(17);
  metric("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", p.cpu_seconds);
  metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", p.rss);
  metric("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", p.vsize);
  metric("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", p.start_time);
  metric("process_open_fds", "gauge", "Number of open file descriptors.", p.open_fds);
  metric("process_max_fds", "gauge", "Maximum number of open file descriptors.", p.max_fds);
  return out.str();
}

}  // namespace

struct Metrics::Families {
  Family<Counter>& reconcile_total;
  Family<Counter>& reconcile_errors;
  Family<Counter>& terminal_errors;
  Family<Counter>& panics;
  Family<Histogram>& reconcile_time;
  Family<Gauge>& max_concurrent;
  Family<Gauge>& active_workers;
  Family<Gauge>& queue_depth;
  Family<Counter>& queue_adds;
  Family<Histogram>& queue_duration;
  Family<Histogram>& work_duration;
  Family<Gauge>& unfinished;
  Family<Gauge>& longest;
  Family<Counter>& retries;
  Family<Gauge>& leader;
  Family<Counter>& leader_slowpath;
  Family<Counter>& rest_requests;
  Family<Gauge>& node_up;
  Family<Gauge>& node_users;
  Family<Gauge>& node_capacity;
  Family<Histogram>& probe_duration;
  Family<Gauge>& assignments;
  Family<Counter>& migrations;
  Family<Counter>& panel_requests;
  Family<Gauge>& drift;
  Family<Counter>& ledger_round_trips;
  Family<Counter>& ledger_writes_dropped;
  Family<Gauge>& node_info;
  Family<Gauge>& ledger_writes_pending;
  std::mutex mu;  // guards node label sets below
  std::set<std::string> node_ops;  // "node\nop\noutcome" seen, for RemoveNode
  std::map<std::string, std::map<std::string, std::string>> node_info_labels;  // by node
};

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  f_.reset(new Families{
      BuildCounter().Name("controller_runtime_reconcile_total").Help("Total number of reconciliations per controller").Register(r),
      BuildCounter().Name("controller_runtime_reconcile_errors_total").Help("Total number of reconciliation errors per controller").Register(r),
      BuildCounter().Name("controller_runtime_terminal_reconcile_errors_total").Help("Total number of terminal reconciliation errors per controller").Register(r),
      BuildCounter().Name("controller_runtime_reconcile_panics_total").Help("Total number of reconciliation panics per controller").Register(r),
      BuildHistogram().Name("controller_runtime_reconcile_time_seconds").Help("Length of time per reconciliation per controller").Register(r),
      BuildGauge().Name("controller_runtime_max_concurrent_reconciles").Help("Maximum number of concurrent reconciles per controller").Register(r),
      BuildGauge().Name("controller_runtime_active_workers").Help("Number of currently used workers per controller").Register(r),
      BuildGauge().Name("workqueue_depth").Help("Current depth of workqueue").Register(r),
      BuildCounter().Name("workqueue_adds_total").Help("Total number of adds handled by workqueue").Register(r),
      BuildHistogram().Name("workqueue_queue_duration_seconds").Help("How long in seconds an item stays in workqueue before being requested").Register(r),
      BuildHistogram().Name("workqueue_work_duration_seconds").Help("How long in seconds processing an item from workqueue takes").Register(r),
      BuildGauge().Name("workqueue_unfinished_work_seconds").Help("How many seconds of work has been done that is in progress and hasn't been observed by work_duration").Register(r),
      BuildGauge().Name("workqueue_longest_running_processor_seconds").Help("How many seconds has the longest running processor for workqueue been running").Register(r),
      BuildCounter().Name("workqueue_retries_total").Help("Total number of retries handled by workqueue").Register(r),
      BuildGauge().Name("leader_election_master_status").Help("Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master").Register(r),
      BuildCounter().Name("leader_election_slowpath_total").Help("Total number of slow path exercised in renewing leader leases").Register(r),
      BuildCounter().Name("rest_client_requests_total").Help("Number of HTTP requests, partitioned by status code, method, and host").Register(r),
      BuildGauge().Name("x3ui_node_up").Help("1 when the node's panel answered its last probes (phase Ready or Degraded)").Register(r),
      BuildGauge().Name("x3ui_node_users").Help("Users placed on the node").Register(r),
      BuildGauge().Name("x3ui_node_capacity").Help("The node's spec.capacity.maxUsers").Register(r),
      BuildHistogram().Name("x3ui_node_probe_duration_seconds").Help("Duration of one probe of a node's panel").Register(r),
      BuildGauge().Name("x3ui_assignments").Help("VpnAssignments by phase").Register(r),
      BuildCounter().Name("x3ui_migrations_total").Help("User migrations by trigger and result").Register(r),
      BuildCounter().Name("x3ui_panel_requests_total").Help("Requests to 3x-ui panels by node, operation and outcome").Register(r),
      BuildGauge().Name("x3ui_drift_clients").Help("Clients that differ from the assignments, by node and kind").Register(r),
      BuildCounter().Name("x3ui_ledger_round_trips_total").Help("Writes sent to the PostgreSQL ledger, by result").Register(r),
      BuildCounter().Name("x3ui_ledger_writes_dropped_total").Help("Ledger writes dropped because the write queue was full").Register(r),
      BuildGauge().Name("x3ui_node_info").Help("1 per node, labelled with its priority tier and region (join on node)").Register(r),
      BuildGauge().Name("x3ui_ledger_writes_pending").Help("Ledger writes queued and not yet applied").Register(r),
  });
  f_->ledger_writes_dropped.Add({});
  f_->ledger_writes_pending.Add({});
  for (const char* result : {"success", "error"}) f_->ledger_round_trips.Add({{"result", result}});
  // Every move reason at 0: the series exist before the first move (an alert's increase() then
  // counts the first one, and a scrape shows what may come).
  for (const char* reason : api::kMoveReasons) {
    for (const char* result : {"success", "failure"}) f_->migrations.Add({{"reason", reason}, {"result", result}});
  }
}

Metrics::~Metrics() = default;

std::shared_ptr<prometheus::Registry> Metrics::registry() const { return registry_; }

void Metrics::RegisterController(const std::string& c, int max_concurrent) {
  for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
    f_->reconcile_total.Add({{"controller", c}, {"result", result}});
  }
  f_->reconcile_errors.Add({{"controller", c}});
  f_->terminal_errors.Add({{"controller", c}});
  f_->panics.Add({{"controller", c}});
  f_->max_concurrent.Add({{"controller", c}}).Set(max_concurrent);
  f_->active_workers.Add({{"controller", c}}).Set(0);
  f_->queue_depth.Add({{"name", c}, {"controller", c}, {"priority", ""}}).Set(0);
  f_->queue_adds.Add({{"name", c}, {"controller", c}});
  f_->retries.Add({{"name", c}, {"controller", c}});
}

void Metrics::ObserveReconcile(const std::string& c, const std::string& result, double seconds) {
  f_->reconcile_total.Add({{"controller", c}, {"result", result}}).Increment();
  f_->reconcile_time.Add({{"controller", c}}, kReconcileBuckets).Observe(seconds);
}

void Metrics::ReconcileError(const std::string& c) { f_->reconcile_errors.Add({{"controller", c}}).Increment(); }
void Metrics::TerminalReconcileError(const std::string& c) { f_->terminal_errors.Add({{"controller", c}}).Increment(); }
void Metrics::ReconcilePanic(const std::string& c) { f_->panics.Add({{"controller", c}}).Increment(); }

void Metrics::ActiveWorkers(const std::string& c, int delta) {
  f_->active_workers.Add({{"controller", c}}).Increment(delta);
}

void Metrics::QueueDepth(const std::string& n, double depth) {
  f_->queue_depth.Add({{"name", n}, {"controller", n}, {"priority", ""}}).Set(depth);
}
void Metrics::QueueAdd(const std::string& n) { f_->queue_adds.Add({{"name", n}, {"controller", n}}).Increment(); }
void Metrics::QueueRetry(const std::string& n) { f_->retries.Add({{"name", n}, {"controller", n}}).Increment(); }
void Metrics::QueueLatency(const std::string& n, double s) {
  f_->queue_duration.Add({{"name", n}, {"controller", n}}, QueueBuckets()).Observe(s);
}
void Metrics::WorkDuration(const std::string& n, double s) {
  f_->work_duration.Add({{"name", n}, {"controller", n}}, QueueBuckets()).Observe(s);
}
void Metrics::UnfinishedWork(const std::string& n, double s, double longest) {
  f_->unfinished.Add({{"name", n}, {"controller", n}}).Set(s);
  f_->longest.Add({{"name", n}, {"controller", n}}).Set(longest);
}

void Metrics::LeaderStatus(const std::string& name, bool leading) {
  f_->leader.Add({{"name", name}}).Set(leading ? 1 : 0);
}
void Metrics::LeaderSlowpath(const std::string& name) { f_->leader_slowpath.Add({{"name", name}}).Increment(); }

void Metrics::RestRequest(const std::string& code, const std::string& method, const std::string& host) {
  f_->rest_requests.Add({{"code", code}, {"method", method}, {"host", host}}).Increment();
}

void Metrics::NodeUp(const std::string& node, bool up) { f_->node_up.Add({{"node", node}}).Set(up ? 1 : 0); }
void Metrics::NodeUsers(const std::string& node, double users) { f_->node_users.Add({{"node", node}}).Set(users); }
void Metrics::NodeCapacity(const std::string& node, double c) { f_->node_capacity.Add({{"node", node}}).Set(c); }
void Metrics::ProbeDuration(const std::string& node, double s) {
  f_->probe_duration.Add({{"node", node}}, kProbeBuckets).Observe(s);
}
void Metrics::Assignments(const std::string& phase, double n) { f_->assignments.Add({{"phase", phase}}).Set(n); }
void Metrics::Migration(const std::string& reason, const std::string& result) {
  f_->migrations.Add({{"reason", reason}, {"result", result}}).Increment();
}
void Metrics::PanelRequest(const std::string& node, const std::string& op, const std::string& outcome) {
  {
    std::lock_guard<std::mutex> l(f_->mu);
    f_->node_ops.insert(node + "\n" + op + "\n" + outcome);
  }
  f_->panel_requests.Add({{"node", node}, {"op", op}, {"outcome", outcome}}).Increment();
}
void Metrics::LedgerWriteDropped() { f_->ledger_writes_dropped.Add({}).Increment(); }
void Metrics::LedgerWritesPending(double count) { f_->ledger_writes_pending.Add({}).Set(count); }

void Metrics::LedgerRoundTrip(bool ok) { f_->ledger_round_trips.Add({{"result", ok ? "success" : "error"}}).Increment(); }
void Metrics::DriftClients(const std::string& node, const std::string& kind, double n) {
  f_->drift.Add({{"node", node}, {"kind", kind}}).Set(n);
}

void Metrics::NodeInfo(const std::string& node, int64_t priority, const std::string& region) {
  const std::map<std::string, std::string> labels = {{"node", node}, {"priority", std::to_string(priority)}, {"region", region}};
  std::lock_guard<std::mutex> l(f_->mu);
  auto& was = f_->node_info_labels[node];
  if (was == labels) return;
  if (!was.empty() && f_->node_info.Has(was)) f_->node_info.Remove(&f_->node_info.Add(was));
  f_->node_info.Add(labels).Set(1);
  was = labels;
}

void Metrics::RemoveNode(const std::string& node) {
  auto drop = [&](auto& family, const std::map<std::string, std::string>& labels) {
    if (family.Has(labels)) family.Remove(&family.Add(labels));
  };
  drop(f_->node_up, {{"node", node}});
  drop(f_->node_users, {{"node", node}});
  drop(f_->node_capacity, {{"node", node}});
  for (const char* kind : {"missing", "stale", "extra", "foreign"}) drop(f_->drift, {{"node", node}, {"kind", kind}});
  if (f_->probe_duration.Has({{"node", node}})) {
    f_->probe_duration.Remove(&f_->probe_duration.Add({{"node", node}}, kProbeBuckets));
  }
  std::lock_guard<std::mutex> l(f_->mu);
  if (auto info = f_->node_info_labels.find(node); info != f_->node_info_labels.end()) {
    drop(f_->node_info, info->second);
    f_->node_info_labels.erase(info);
  }
  for (auto it = f_->node_ops.begin(); it != f_->node_ops.end();) {
    if (it->rfind(node + "\n", 0) != 0) {
      ++it;
      continue;
    }
    std::string op = it->substr(node.size() + 1, it->find('\n', node.size() + 1) - node.size() - 1);
    std::string outcome = it->substr(it->rfind('\n') + 1);
    drop(f_->panel_requests, {{"node", node}, {"op", op}, {"outcome", outcome}});
    it = f_->node_ops.erase(it);
  }
}

std::string Metrics::Exposition() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  out << ProcessExposition();
  return out.str();
}

}  // namespace x3ui::metrics
