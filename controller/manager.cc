#include "controller/manager.h"

#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "controller/assignment/reconciler.h"
#include "controller/cleanup_reconciler.h"
#include "controller/migration_reconciler.h"
#include "controller/node/reconciler.h"
#include "controller/reconcile_guard.h"
#include "pkg/api/json.h"
#include "pkg/http/http_server.h"
#include "pkg/http/probes.h"
#include "pkg/kube/config.h"
#include "pkg/kube/events.h"
#include "pkg/kube/informer.h"
#include "pkg/kube/leader_election.h"
#include "pkg/kube/rest_client.h"
#include "pkg/metrics/metrics.h"
#include "pkg/store/connection_string.h"
#include "pkg/store/pg_ledger_store.h"
#include "pkg/workqueue/work_queue.h"

namespace x3ui::controller {
namespace {

constexpr char kNodeController[] = "vpnnode";
constexpr char kAssignmentController[] = "vpnassignment";
constexpr char kCleanupController[] = "cleanup";
constexpr char kMigrationController[] = "vpnmigration";


// Whether an update is worth a reconcile: the spec changed (generation), or deletion began, or the
// labels changed. Status-only updates, the operator's own writes mostly, are not (controller-
// runtime's GenerationChangedPredicate, plus the deletion and labels).
bool SpecOrLifecycleChanged(const kube::Json& old_obj, const kube::Json& new_obj) {
  const auto& o = old_obj["metadata"];
  const auto& n = new_obj["metadata"];
  return o.value("generation", int64_t{0}) != n.value("generation", int64_t{0}) ||
         o.contains("deletionTimestamp") != n.contains("deletionTimestamp") ||
         o.value("labels", kube::Json::object()) != n.value("labels", kube::Json::object());
}

std::string Identity() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(host) + "_" + suffix;
}

}  // namespace

// One controller: an informer feeding a work queue drained by workers calling `reconcile`.
struct Loop {
  const char* name;
  std::unique_ptr<kube::Informer> informer;
  std::unique_ptr<workqueue::WorkQueue> queue;
  std::function<Result<ReconcileResult>(const std::string& ns, const std::string& name)> reconcile;
  std::function<void(const std::string& key)> after;  // optional, after each successful pass
};

struct Manager::Impl {
  Options options;
  RealClock clock;
  metrics::Metrics metrics;
  std::unique_ptr<kube::KubeClient> kube;
  std::unique_ptr<store::PgLedgerStore> store;
  std::unique_ptr<store::LedgerWriteQueue> ledger;
  std::unique_ptr<panel::PanelSessionPool> panels;
  std::unique_ptr<NodeReconciler> nodes;
  PlacementBook book;  // where users are counted; shared by the controllers
  std::unique_ptr<AssignmentReconciler> assignments;
  std::unique_ptr<kube::EventRecorder> events;
  std::unique_ptr<MoveBudget> budget;  // --disruption-budget
  ExpectedKeys expected_keys;           // filled by the assignments' passes, read by the drift diff
  std::unique_ptr<MigrationReconciler> migrations;
  Loop node_loop, assignment_loop, migration_loop;
  Loop cleanup_loop;  // keyed by node, fed by the node controller (no informer of its own)
  std::unique_ptr<CleanupReconciler> cleanup;
  std::unique_ptr<panel::AddBatcher> batcher;  // after the loops: gone before their queues
  std::mutex placed_mu;  // guards node_epochs and placed_cache
  std::map<std::string, uint64_t> node_epochs;  // node key -> changes seen to its assignments
  struct PlacedCache {
    uint64_t epoch;
    std::vector<std::string> names;
    std::vector<PlacedUser> users;
  };
  std::map<std::string, PlacedCache> placed_cache;  // node key -> PlacedUsers' last answer
  std::mutex usability_mu;
  std::map<std::string, std::string> usability;  // node key -> what UsabilityChanged saw last
  http::ProbeHandler probes;
  std::unique_ptr<http::HttpServer> metrics_server, probe_server;
  std::atomic<bool> stop{false};
  std::atomic<bool> lost_lease{false};
  std::atomic<bool> ledger_write_dropped{false};  // set by the write queue, taken by AuditLedger

  void Worker(Loop& loop) {
    while (auto key = loop.queue->Get()) {
      metrics.ActiveWorkers(loop.name, 1);
      auto slash = key->find('/');
      auto started = std::chrono::steady_clock::now();
      Result<ReconcileResult> r = GuardedReconcile(
          loop.name, [&] { return loop.reconcile(key->substr(0, slash), key->substr(slash + 1)); }, &metrics);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!r.ok()) {
        spdlog::warn("reconciling {} {} failed, will retry: {}", loop.name, *key, r.status().ToString());
        metrics.ReconcileError(loop.name);
        metrics.ObserveReconcile(loop.name, "error", seconds);
        metrics.QueueRetry(loop.name);
        loop.queue->AddRateLimited(*key);
      } else {
        metrics.ObserveReconcile(loop.name, r->requeue_after.count() > 0 ? "requeue_after" : "success", seconds);
        loop.queue->Forget(*key);
        if (r->requeue_after.count() > 0) loop.queue->AddAfter(*key, r->requeue_after);
        if (loop.after) loop.after(*key);
      }
      loop.queue->Done(*key);
      metrics.ActiveWorkers(loop.name, -1);
      metrics.QueueDepth(loop.name, static_cast<double>(loop.queue->Len()));
    }
  }

  // Every VpnNode of a namespace as the balancer sees it: probed ones as probed, the others (just
  // after a start) from their spec and last status.
  std::vector<balancer::NodeView> NodeViews(const std::string& ns) {
    std::vector<balancer::NodeView> views = nodes->Views(ns);
    std::set<std::string> probed;
    for (const auto& v : views) probed.insert(v.name);
    for (const auto& key : node_loop.informer->KeysByIndex("namespace", ns)) {
      if (probed.count(key.substr(key.find('/') + 1))) continue;
      std::optional<kube::Json> o = node_loop.informer->Get(key);
      if (!o) continue;
      if (Result<api::VpnNode> n = api::DecodeVpnNode(*o); n.ok()) views.push_back(UnprobedView(*n));
    }
    return views;
  }

  // What the drift diff needs: the assignments placed on a node, once the cache is complete.
  // Decoded again only when the node's set of users or one of their objects changed since the
  // last probe (decoding every user of every node on every probe was most of an idle
  // operator's CPU).
  std::optional<std::vector<PlacedUser>> PlacedUsers(const std::string& ns, const std::string& node) {
    if (!assignment_loop.informer->HasSynced()) return std::nullopt;
    const std::string node_key = ns + "/" + node;
    std::vector<std::string> names = book.PlacedOn(node_key);
    uint64_t epoch;
    {
      std::lock_guard<std::mutex> l(placed_mu);
      epoch = node_epochs[node_key];
      auto cached = placed_cache.find(node_key);
      if (cached != placed_cache.end() && cached->second.epoch == epoch && cached->second.names == names) {
        return cached->second.users;
      }
    }
    std::vector<PlacedUser> out;
    for (const auto& name : names) {
      std::optional<kube::Json> obj = assignment_loop.informer->Get(ns + "/" + name);
      if (!obj) continue;  // deleted: its clients are extra
      Result<api::VpnAssignment> a = api::DecodeVpnAssignment(*obj);
      if (!a.ok()) return std::nullopt;  // cannot tell what it wants: remove nothing
      out.push_back({name, a->spec});
    }
    std::lock_guard<std::mutex> l(placed_mu);
    placed_cache[node_key] = PlacedCache{epoch, std::move(names), out};
    return out;
  }

  // An assignment on `node` (status.nodeName) was added, changed or deleted.
  void AssignmentTouched(const kube::Json& o) {
    const std::string node = AssignedNode(o);
    if (node.empty()) return;
    std::lock_guard<std::mutex> l(placed_mu);
    ++node_epochs[o["metadata"].value("namespace", "") + "/" + node];
  }

  // x3ui_assignments{phase}, from the cache when scraped (every phase is always exported).
  void CountAssignmentPhases() {
    std::map<std::string, size_t> counts = assignment_loop.informer->IndexCounts("phase");
    for (const char* phase : {api::kPhasePending, api::kPhasePlaced, api::kPhaseMigrating, api::kPhaseReady, api::kPhaseFailed}) {
      metrics.Assignments(phase, static_cast<double>(counts[phase]));
    }
  }

  void Enqueue(Loop& loop, const std::string& key) {
    metrics.QueueAdd(loop.name);
    loop.queue->Add(key);
  }

  // Whether node `key` can take users differently from the last time this was asked.
  bool UsabilityChanged(const std::string& key, const balancer::NodeView& v) {
    const std::string now = v.phase + (v.schedulable ? "/schedulable/" : "/cordoned/") + std::to_string(v.max_users) +
                            (v.users < v.max_users ? "/room" : "/full");
    std::lock_guard<std::mutex> l(usability_mu);
    std::string& before = usability[key];
    if (before == now) return false;
    before = now;
    return true;
  }

  // One Event per batch of new users, on their node (an Event per user would double the writes
  // of a cold start).
  void BatchPlaced(const panel::AddBatcher::FlushReport& r) {
    std::optional<kube::Json> node = node_loop.informer->Get(r.session_key);
    if (!node || r.added == 0) return;
    std::string note = "placed " + std::to_string(r.added) + " new user(s): their clients were added in " +
                       std::to_string(r.calls) + " addClient call(s)";
    if (r.failed > 0) note += "; " + std::to_string(r.failed) + " could not be added (see their status)";
    if (Status s = events->Record(*node, "Normal", "Placed", "Place", note); !s.ok()) {
      spdlog::warn("recording Event Placed on VpnNode {}: {}", r.session_key, s.message());
    }
  }

  // --crash-after-move-step: dies like a SIGKILLed process, once the ledger holds the step.
  void MaybeCrash(const std::string& step) {
    if (step != options.crash_after_move_step) return;
    if (ledger) ledger->Drain(std::chrono::seconds(10));
    spdlog::critical("--crash-after-move-step {}: killing the process", step);
    spdlog::default_logger()->flush();
    std::raise(SIGKILL);
  }

  // Before the first reconcile: what a previous run left half done is finished or rolled back,
  // and the ledger is made to agree with the assignments' status.
  void Recover() {
    if (Status s = assignments->RecoverMoves(options.namespace_); !s.ok()) {
      spdlog::error("recovering half-done moves: {} (the drift diff will clean up instead)", s.message());
    }
    if (ledger && !ledger->Drain(std::chrono::seconds(30))) spdlog::warn("the ledger is slow to apply recovery writes");
    if (Status s = assignments->ReconcileLedger(assignment_loop.informer->List(), options.namespace_); !s.ok()) {
      spdlog::error("checking the ledger against the assignments: {}", s.message());
    }
  }

  // Keeps the ledger agreeing with the assignments' status while the controllers run, not only
  // at start: every --ledger-audit-interval, and 10 s after a ledger write was refused (a write
  // that lost a race leaves a row on the wrong node until something rewrites it). Reads the
  // ledger and writes only differences, so an idle fleet costs no database write.
  void AuditLedger() {
    using SteadyClock = std::chrono::steady_clock;
    auto next = SteadyClock::now() + options.ledger_audit_interval;
    while (!stop.load() && !lost_lease.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (ledger_write_dropped.exchange(false)) next = std::min(next, SteadyClock::now() + std::chrono::seconds(10));
      if (SteadyClock::now() < next) continue;
      next = SteadyClock::now() + options.ledger_audit_interval;
      // Writes still queued would be counted as differences: let them land first.
      if (!ledger->Drain(std::chrono::seconds(30))) continue;
      if (Status s = assignments->ReconcileLedger(assignment_loop.informer->List(), options.namespace_); !s.ok()) {
        spdlog::warn("ledger audit failed, retrying at the next interval: {}", s.message());
      }
    }
  }

  // Runs the controllers until stop (or a lost lease).
  void RunControllers() {
    std::vector<std::thread> workers;
    for (Loop* loop : {&node_loop, &assignment_loop, &migration_loop}) loop->informer->Start();
    while (!stop.load() && !lost_lease.load() &&
           !(node_loop.informer->WaitForSync(std::chrono::milliseconds(100)) &&
             assignment_loop.informer->WaitForSync(std::chrono::milliseconds(100)))) {
    }
    if (!stop.load() && !lost_lease.load()) Recover();
    for (Loop* loop : {&node_loop, &assignment_loop, &migration_loop, &cleanup_loop}) {
      for (int64_t i = 0; i < options.max_concurrent_reconciles; ++i) workers.emplace_back([this, loop] { Worker(*loop); });
    }
    std::thread audit;
    if (ledger && store) audit = std::thread([this] { AuditLedger(); });
    while (!stop.load() && !lost_lease.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (audit.joinable()) audit.join();
    for (Loop* loop : {&node_loop, &assignment_loop, &migration_loop}) loop->informer->Stop();
    for (Loop* loop : {&node_loop, &assignment_loop, &migration_loop, &cleanup_loop}) {
      if (!loop->queue->ShutDownWithDrain(options.graceful_shutdown_timeout)) {
        spdlog::warn("{} reconciles still running after the graceful shutdown timeout", loop->name);
      }
    }
    for (auto& w : workers) w.join();
  }

  // Manager::New's steps, in order.
  Status ConnectKube();
  Status OpenLedger();
  void WireNodes();
  void WireAssignments();
  void WireCleanup();
  void WireMigrations();
  void WireWatches();
  Status ServeProbesAndMetrics();

  void InitQueue(Loop& loop, const char* name) {
    loop.name = name;
    loop.queue = std::make_unique<workqueue::WorkQueue>(name, workqueue::DefaultControllerRateLimiter(&clock));
    metrics.RegisterController(name, static_cast<int>(options.max_concurrent_reconciles));
  }

  void InitLoop(Loop& loop, const char* name, const kube::Resource& resource) {
    InitQueue(loop, name);
    loop.informer = std::make_unique<kube::Informer>(
        kube.get(), resource,
        kube::InformerOptions{.ns = options.namespace_,
                              .transform = [](kube::Json* o) { (*o)["metadata"].erase("managedFields"); },
                              .on_error = [kind = resource.kind](const Status& s) {
                                spdlog::error("listing/watching {} failed, retrying with backoff: {}", kind, s.ToString());
                              }});
  }
};

Manager::Manager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Manager::~Manager() = default;

// The API server client, rate-limited as --kube-api-qps/--kube-api-burst say.
Status Manager::Impl::ConnectKube() {
  Result<kube::RestConfig> cfg =
      options.kubeconfig.empty() ? kube::InClusterConfig() : kube::LoadKubeconfig(options.kubeconfig);
  if (!cfg.ok()) return cfg.status();
  cfg->qps = options.kube_api_qps;
  cfg->burst = static_cast<int>(options.kube_api_burst);
  auto client = kube::RestClient::New(*cfg, &clock, [&metrics = metrics](auto code, auto method, auto host) {
    metrics.RestRequest(code, method, host);
  });
  if (!client.ok()) return client.status();
  kube = std::move(client).value();
  return Status::Ok();
}

// The ledger and its write queue, when --database-url is given.
Status Manager::Impl::OpenLedger() {
  if (!options.database_url.empty()) {
    auto opened = store::PgLedgerStore::Open(options.database_url);
    if (!opened.ok()) return opened.status().WithContext("ledger");
    store = std::move(opened).value();
    ledger = std::make_unique<store::LedgerWriteQueue>(
        store.get(),
        store::LedgerWriteQueue::Options{.on_round_trip = [&metrics = metrics](const Status& s) { metrics.LedgerRoundTrip(s.ok()); }},
        [&dropped = ledger_write_dropped](const std::string& what, const Status& s) {
          spdlog::error("ledger write dropped: {}: {} (the ledger audit corrects it from the assignments' status)", what,
                        s.message());
          dropped.store(true);
        });
  } else {
    spdlog::warn("no --database-url: running without the ledger");
  }
  return Status::Ok();
}

// The panels' session pool, the Event recorder and the node controller.
void Manager::Impl::WireNodes() {
  events = std::make_unique<kube::EventRecorder>(kube.get(), "x3ui.io/operator", Identity(), &clock);
  panels = std::make_unique<panel::PanelSessionPool>(&clock, panel::NewCppRestTransport, [&metrics = metrics](const std::string& key) {
    return [&metrics, key](const std::string& op, const std::string& outcome, std::chrono::milliseconds) {
      metrics.PanelRequest(key, op, outcome);
    };
  });
  NodeReconcilerOptions nopts{.health = {.failure_threshold = static_cast<int>(options.failure_threshold),
                                         .success_threshold = static_cast<int>(options.success_threshold),
                                         .failover_grace = options.failover_grace},
                              .probe_interval = options.probe_interval,
                              .panel_hosts = options.PanelHosts()};
  nodes = std::make_unique<NodeReconciler>(
      NodeReconcilerDeps{kube.get(), panels.get(), &clock, &metrics, ledger.get(),
                         [this](const std::string& node_key) { return this->book.UsersOn(node_key); },
                         [this](const std::string& ns, const std::string& node) { return this->PlacedUsers(ns, node); },
                         [this](const std::string& ns, const std::string& name) {
                           this->Enqueue(this->assignment_loop, ns + "/" + name);
                         },
                         [this](const std::string& ns, const std::string& name, std::vector<std::string> emails) {
                           this->cleanup->HandExtra(ns + "/" + name, std::move(emails));
                           this->Enqueue(this->cleanup_loop, ns + "/" + name);
                         },
                         &expected_keys, events.get()},
      nopts);
}

// The disruption budget, the add batcher and the assignment controller.
void Manager::Impl::WireAssignments() {
  budget = std::make_unique<MoveBudget>(options.disruption_budget);
  batcher = std::make_unique<panel::AddBatcher>(
      panel::AddBatcher::Options{.linger = std::chrono::milliseconds(200), .max_wait = std::chrono::seconds(5)},
      [this](const std::string& key) { this->Enqueue(this->assignment_loop, key); },
      [this](const panel::AddBatcher::FlushReport& r) { this->BatchPlaced(r); });
  assignments = std::make_unique<AssignmentReconciler>(
      AssignmentReconcilerDeps{.kube = kube.get(), .panels = panels.get(), .clock = &clock,
                               .nodes = [this](const std::string& ns) { return this->NodeViews(ns); },
                               .book = &book,
                               .ledger = ledger.get(),
                               .events = events.get(),
                               .metrics = &metrics,
                               .store = store.get(),
                               .budget = budget.get(),
                               .expected_keys = &expected_keys,
                               .wake = [this](const std::string& key) { this->Enqueue(this->assignment_loop, key); },
                               .on_move_step = [this](const std::string& step) { this->MaybeCrash(step); },
                               .batcher = batcher.get(),
                               .cached_assignment = [this](const std::string& key) { return this->assignment_loop.informer->Get(key); },
                               .cached_node = [this](const std::string& key) { return this->node_loop.informer->Get(key); }},
      AssignmentReconcilerOptions{.panel_hosts = options.PanelHosts()});
}

// The cleanup controller: extra clients and pending removals, keyed by node.
void Manager::Impl::WireCleanup() {
  cleanup = std::make_unique<CleanupReconciler>(CleanupReconcilerDeps{
      .panels = panels.get(),
      .remove_pending = [this](const std::string& ns, const std::string& node) { return this->assignments->RemovePending(ns, node); },
      .placed_on = [this](const std::string& ns, const std::string& node) { return this->book.PlacedOn(ns + "/" + node); },
      .reprobe = [this](const std::string& node_key) { this->Enqueue(this->node_loop, node_key); }});
  cleanup_loop.reconcile = [this](const std::string& ns, const std::string& n) {
    const auto views = this->nodes->Views(ns);
    auto view = std::find_if(views.begin(), views.end(), [&](const auto& v) { return v.name == n; });
    return this->cleanup->Reconcile(ns, n, view != views.end() && view->phase == api::kPhaseReady);
  };
}

// The migration controller and what wakes it.
void Manager::Impl::WireMigrations() {
  migrations = std::make_unique<MigrationReconciler>(
      MigrationReconcilerDeps{.kube = kube.get(), .clock = &clock, .book = &book,
                              .nodes = [this](const std::string& ns) { return this->NodeViews(ns); },
                              .placed = [this](const std::string& ns) {
                                std::vector<kube::Json> out;
                                for (auto& o : this->assignment_loop.informer->ByIndex("namespace", ns)) {
                                  if (!AssignedNode(o).empty()) out.push_back(std::move(o));
                                }
                                return out;
                              },
                              .wake = [this](const std::string& key) { this->Enqueue(this->assignment_loop, key); },
                              .events = events.get(),
                              .disruption_budget = options.disruption_budget},
      MigrationReconcilerOptions{});
  migration_loop.reconcile = [this](const std::string& ns, const std::string& n) { return this->migrations->Reconcile(ns, n); };
  auto on_migration = [this](const kube::Json& o) { this->Enqueue(this->migration_loop, kube::Informer::KeyOf(o)); };
  migration_loop.informer->AddHandlers(
      {on_migration, [on_migration](const kube::Json&, const kube::Json& n) { on_migration(n); }, on_migration});
}

// The informers' indexes and handlers, and what each node pass wakes.
void Manager::Impl::WireWatches() {
  node_loop.informer->AddIndex("namespace", [](const kube::Json& o) {
    return std::vector<std::string>{o["metadata"].value("namespace", "")};
  });
  assignment_loop.informer->AddIndex("namespace", [](const kube::Json& o) {
    return std::vector<std::string>{o["metadata"].value("namespace", "")};
  });
  node_loop.reconcile = [this](const std::string& ns, const std::string& n) { return this->nodes->Reconcile(ns, n); };
  assignment_loop.reconcile = [this](const std::string& ns, const std::string& n) {
    return this->assignments->Reconcile(ns, n);
  };
  // A node that may have become usable: try the users still waiting for one in its namespace.
  assignment_loop.informer->AddIndex("unplaced", [](const kube::Json& o) {
    return AssignedNode(o).empty() ? std::vector<std::string>{o["metadata"].value("namespace", "")} : std::vector<std::string>{};
  });
  assignment_loop.informer->AddIndex("phase", [](const kube::Json& o) {
    std::string phase = o.value("status", kube::Json::object()).value("phase", "");
    return std::vector<std::string>{phase.empty() ? api::kPhasePending : phase};
  });
  // A node whose users must leave (drained, deleted, Unreachable past the grace): move them now.
  assignment_loop.informer->AddIndex("node", [](const kube::Json& o) {
    const std::string node = AssignedNode(o);
    return node.empty() ? std::vector<std::string>{} : std::vector<std::string>{o["metadata"].value("namespace", "") + "/" + node};
  });
  node_loop.after = [this](const std::string& key) {
    const std::string ns = key.substr(0, key.find('/')), name = key.substr(key.find('/') + 1);
    const auto views = this->nodes->Views(ns);
    auto view = std::find_if(views.begin(), views.end(), [&](const auto& v) { return v.name == name; });
    // A node that may have become usable (new, back, uncordoned, grown, no longer full): the
    // users still waiting for one in its namespace are tried again.
    if (view == views.end() || this->UsabilityChanged(key, *view)) {
      for (const auto& o : this->assignment_loop.informer->ByIndex("unplaced", ns)) {
        this->Enqueue(this->assignment_loop, kube::Informer::KeyOf(o));
      }
    }
    // Users of a node they must leave (deleted, drained, Unreachable past the grace) move now,
    // not at their next resync; a Ready node gets the clients that moves left on it removed (by
    // the cleanup controller, off the probe).
    if (view != views.end() && view->phase == api::kPhaseReady) this->Enqueue(this->cleanup_loop, key);
    if (view == views.end() || view->evacuating()) {
      for (const auto& o : this->assignment_loop.informer->ByIndex("node", key)) {
        this->Enqueue(this->assignment_loop, kube::Informer::KeyOf(o));
      }
    }
  };
  auto on_node = [this](const kube::Json& o) { this->Enqueue(this->node_loop, kube::Informer::KeyOf(o)); };
  node_loop.informer->AddHandlers({on_node,
                                     [on_node](const kube::Json& o, const kube::Json& n) {
                                       if (SpecOrLifecycleChanged(o, n)) on_node(n);
                                     },
                                     on_node});
  // Where the informer says an assignment is placed: counts, and the drift diff's cache.
  auto observe = [this](const kube::Json& o) {
    this->AssignmentTouched(o);
    const auto& meta = o["metadata"];
    this->assignments->Observe(meta.value("namespace", ""), meta.value("name", ""), AssignedNode(o),
                              meta.value("resourceVersion", ""));
  };
  assignment_loop.informer->AddHandlers(
      {[this, observe](const kube::Json& o) {
         observe(o);
         this->Enqueue(this->assignment_loop, kube::Informer::KeyOf(o));
       },
       [this, observe](const kube::Json& o, const kube::Json& n) {
         // A user that left a node: the node's count changes, and a deleted node may now go.
         if (const std::string left = AssignedNode(o); !left.empty() && left != AssignedNode(n)) {
           this->Enqueue(this->node_loop, o["metadata"].value("namespace", "") + "/" + left);
         }
         this->AssignmentTouched(o);
         observe(n);
         if (SpecOrLifecycleChanged(o, n)) this->Enqueue(this->assignment_loop, kube::Informer::KeyOf(n));
       },
       [this](const kube::Json& o) {
         this->AssignmentTouched(o);
         this->Enqueue(this->assignment_loop, kube::Informer::KeyOf(o));
       }});

}

// The health checks, and the /metrics and probe servers.
Status Manager::Impl::ServeProbesAndMetrics() {
  probes.AddHealthCheck("ping", [] { return Status::Ok(); });
  probes.AddReadyCheck("informers", [this] {
    if (!this->node_loop.informer->HasSynced()) return Status::Unavailable("VpnNode cache not synced");
    if (!this->assignment_loop.informer->HasSynced()) return Status::Unavailable("VpnAssignment cache not synced");
    if (!this->migration_loop.informer->HasSynced()) return Status::Unavailable("VpnMigration cache not synced");
    return Status::Ok();
  });
  probes.AddReadyCheck("ledger", [this] {
    if (!this->ledger || this->ledger->Healthy()) return Status::Ok();
    return Status::Unavailable("the ledger database is unreachable; " + std::to_string(this->ledger->Pending()) +
                               " writes waiting");
  });
  for (auto [addr, server, handler] :
       {std::tuple{options.metrics_bind_address, &metrics_server,
                   http::HttpServer::Handler([this](const http::Request& r) {
                     if (r.path != "/metrics") return http::Response{404, "not found\n", "text/plain", {}};
                     this->CountAssignmentPhases();
                     return http::Response{200, this->metrics.Exposition(), "text/plain; version=0.0.4", {}};
                   })},
        std::tuple{options.health_probe_bind_address, &probe_server,
                   http::HttpServer::Handler([this](const http::Request& r) { return this->probes.Handle(r); })}}) {
    auto parsed = http::ParseBindAddress(addr);
    if (!parsed.ok()) return parsed.status();
    if (parsed->second == 0) continue;
    *server = std::make_unique<http::HttpServer>(parsed->first, parsed->second, handler);
    if (Status s = (*server)->Start(); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::unique_ptr<Manager>> Manager::New(const Options& options) {
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.options = options;
  if (Status s = m.ConnectKube(); !s.ok()) return s;
  if (Status s = m.OpenLedger(); !s.ok()) return s;
  m.WireNodes();
  m.WireAssignments();
  m.InitLoop(m.node_loop, kNodeController, kube::kVpnNodes);
  m.InitLoop(m.assignment_loop, kAssignmentController, kube::kVpnAssignments);
  m.InitLoop(m.migration_loop, kMigrationController, kube::kVpnMigrations);
  m.InitQueue(m.cleanup_loop, kCleanupController);
  m.WireCleanup();
  m.WireMigrations();
  m.WireWatches();
  if (Status s = m.ServeProbesAndMetrics(); !s.ok()) return s;
  return std::unique_ptr<Manager>(new Manager(std::move(impl)));
}

int Manager::Run() {
  Impl& m = *impl_;
  if (!m.options.leader_elect) {
    m.RunControllers();
    return 0;
  }
  // The Lease lives in --leader-election-namespace, else the watched namespace, else the Pod's.
  std::string lease_ns = m.options.leader_election_namespace;
  if (lease_ns.empty()) lease_ns = m.options.namespace_;
  if (lease_ns.empty() && std::getenv("POD_NAMESPACE") != nullptr) lease_ns = std::getenv("POD_NAMESPACE");
  if (lease_ns.empty()) lease_ns = "default";
  kube::LeaderElectionConfig le{lease_ns, m.options.leader_election_id, Identity()};
  le.on_error = [lease_ns, id = m.options.leader_election_id](const Status& s) {
    spdlog::error("leader election: Lease {}/{}: {}", lease_ns, id, s.ToString());
  };
  auto elector = kube::LeaderElector::New(m.kube.get(), le, &m.clock);
  if (!elector.ok()) {
    spdlog::error("{}", elector.status().message());
    return 1;
  }
  m.metrics.LeaderStatus(le.name, false);
  std::thread controllers;
  (*elector)->Run(
      [&] {
        spdlog::info("became leader ({}); starting controllers", le.identity);
        m.metrics.LeaderStatus(le.name, true);
        controllers = std::thread([&] { m.RunControllers(); });
      },
      [&] {
        m.metrics.LeaderStatus(le.name, false);
        if (!m.stop.load()) {
          spdlog::error("lost the leader lease; exiting so that another replica takes over");
          m.lost_lease = true;
        }
      },
      &m.stop);
  if (controllers.joinable()) controllers.join();
  return m.lost_lease.load() ? 1 : 0;
}

void Manager::Stop() { impl_->stop = true; }

}  // namespace x3ui::controller
