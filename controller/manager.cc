#include "controller/manager.h"

#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "controller/assignment/reconciler.h"
#include "controller/assignment/watches.h"
#include "controller/dashboard/console_server.h"
#include "controller/pending_removals/reconciler.h"
#include "controller/migration/reconciler.h"
#include "controller/migration/watches.h"
#include "controller/node/placed_users.h"
#include "controller/node/reconciler.h"
#include "controller/node/watches.h"
#include "controller/record_event.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/http/http_server.h"
#include "pkg/http/probes.h"
#include "pkg/kube/config.h"
#include "pkg/kube/events.h"
#include "pkg/kube/fenced_client.h"
#include "pkg/kube/informer.h"
#include "pkg/kube/leader_election.h"
#include "pkg/kube/object_key.h"
#include "pkg/kube/rest_client.h"
#include "pkg/metrics/metrics.h"
#include "pkg/runtime/controller.h"
#include "pkg/store/connection_string.h"
#include "pkg/store/pg_ledger_store.h"
#include "pkg/x3ui/fenced_transport.h"

namespace x3ui::controller {
namespace {

constexpr char kNodeController[] = "vpnnode";
constexpr char kAssignmentController[] = "vpnassignment";
constexpr char kPendingRemovalsController[] = "cleanup";
constexpr char kMigrationController[] = "vpnmigration";

std::string Identity() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(host) + "_" + suffix;
}

}  // namespace

struct Manager::Impl {
  Options options;
  RealClock clock;
  metrics::Metrics metrics;
  // Open while this replica may act on panels and the cluster (it leads, or no election).
  Fence fence;
  std::unique_ptr<kube::KubeClient> api_server;  // unfenced: the leader election's only
  std::unique_ptr<kube::KubeClient> kube;        // what the controllers use: writes fenced
  std::unique_ptr<store::PgLedgerStore> store;
  std::unique_ptr<store::LedgerWriteQueue> ledger;
  std::unique_ptr<panel::PanelSessionPool> panels;
  PlacementBook book;  // where users are counted; shared by the controllers
  ExpectedKeys expected_keys;  // filled by the assignments' passes, read by the drift diff
  std::unique_ptr<kube::EventRecorder> events;
  std::unique_ptr<MoveBudget> budget;  // --disruption-budget
  std::unique_ptr<NodeReconciler> nodes;
  std::unique_ptr<AssignmentReconciler> assignments;
  std::unique_ptr<MigrationReconciler> migrations;
  std::unique_ptr<PendingRemovalsReconciler> removals;
  // The controllers: after the reconcilers, so that their workers stop before those go.
  std::unique_ptr<runtime::Controller> node_ctl, assignment_ctl, migration_ctl;
  std::unique_ptr<runtime::Controller> removals_ctl;  // keyed by node, fed by the node controller
  std::unique_ptr<PlacedUsersCache> placed;
  std::unique_ptr<panel::AddBatcher> batcher;  // last: gone before the queues its flushes wake
  http::ProbeHandler probes;
  std::unique_ptr<http::HttpServer> metrics_server, probe_server;
  std::unique_ptr<dashboard::FleetConsole> console;  // --dashboard-bind-address; reads the controllers' caches
  std::atomic<bool> stop{false};
  std::atomic<bool> lost_lease{false};
  std::atomic<bool> ledger_write_dropped{false};  // set by the write queue, taken by AuditLedger

  std::vector<runtime::Controller*> Controllers() const {
    return {node_ctl.get(), assignment_ctl.get(), migration_ctl.get(), removals_ctl.get()};
  }

  std::vector<balancer::NodeView> NodeViews(const std::string& ns) const {
    return AllNodeViews(*nodes, *node_ctl->informer(), ns);
  }

  // x3ui_assignments{phase}, from the cache when scraped (every phase is always exported).
  void CountAssignmentPhases() {
    std::map<std::string, size_t> counts = assignment_ctl->informer()->IndexCounts("phase");
    for (const char* phase : {api::kPhasePending, api::kPhasePlaced, api::kPhaseMigrating, api::kPhaseReady, api::kPhaseFailed}) {
      metrics.Assignments(phase, static_cast<double>(counts[phase]));
    }
  }

  // One Event per batch of new users, on their node (an Event per user would double the writes
  // of a cold start).
  void BatchPlaced(const panel::AddBatcher::FlushReport& r) {
    std::optional<kube::Json> node = node_ctl->informer()->Get(r.session_key);
    if (!node || r.added == 0) return;
    std::string note = "placed " + std::to_string(r.added) + " new user(s): their clients were added in " +
                       std::to_string(r.calls) + " addClient call(s)";
    if (r.failed > 0) note += "; " + std::to_string(r.failed) + " could not be added (see their status)";
    RecordEvent(events.get(), *node, "Normal", api::kReasonPlaced, "Place", note);
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
    // Asked of the database now, not read from the start-up status: a standby that started
    // while the database was down takes the lead long after, when it may well answer (the
    // journal's half-done moves are then finished or rolled back here, as they must be).
    if (store && !SchemaReachableNow().ok()) {
      // Without the journal nothing can be finished or rolled back: the drift diff removes what a
      // half-done move left on a panel, and the ledger audit corrects the placements once the
      // database answers.
      spdlog::warn("ledger unreachable at start: half-done moves of the previous run are left to the drift diff");
      return;
    }
    if (Status s = assignments->RecoverMoves(options.namespace_); !s.ok()) {
      spdlog::error("recovering half-done moves: {} (the drift diff will clean up instead)", s.message());
    }
    if (ledger && !ledger->Drain(std::chrono::seconds(30))) spdlog::warn("the ledger is slow to apply recovery writes");
    if (Status s = assignments->ReconcileLedger(assignment_ctl->informer()->List(), options.namespace_); !s.ok()) {
      spdlog::error("checking the ledger against the assignments: {}", s.message());
    }
  }

  // The schema applied now if it was not yet (EnsureSchema), waiting up to 5 s for another
  // thread that is applying it.
  Status SchemaReachableNow() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    Status s = store->EnsureSchema();
    while (s.reason() == store::kReasonSchemaBeingApplied && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      s = store->EnsureSchema();
    }
    return s;
  }

  // Keeps the ledger agreeing with the assignments' status while the controllers run, not only
  // at start: every --ledger-audit-interval, and 10 s after a ledger write was refused (a write
  // that lost a race leaves a row on the wrong node until something rewrites it). Reads the
  // ledger and writes only differences, so an idle fleet costs no database write.
  void AuditLedger() {
    using SteadyClock = std::chrono::steady_clock;
    auto next = SteadyClock::now() + options.ledger_audit_interval;
    auto next_schema_try = SteadyClock::now();
    while (!stop.load() && !lost_lease.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (ledger_write_dropped.exchange(false)) next = std::min(next, SteadyClock::now() + std::chrono::seconds(10));
      if (SteadyClock::now() >= next_schema_try && !store->SchemaStatus().ok()) {
        next_schema_try = SteadyClock::now() + std::chrono::seconds(5);
        if (store->EnsureSchema().ok()) spdlog::info("ledger reachable again: schema applied, queued writes go out");
      }
      if (SteadyClock::now() < next) continue;
      next = SteadyClock::now() + options.ledger_audit_interval;
      // Writes still queued would be counted as differences: let them land first.
      if (!ledger->Drain(std::chrono::seconds(30))) continue;
      if (Status s = assignments->ReconcileLedger(assignment_ctl->informer()->List(), options.namespace_); !s.ok()) {
        spdlog::warn("ledger audit failed, retrying at the next interval: {}", s.message());
      }
    }
  }

  bool Running() const { return !stop.load() && !lost_lease.load(); }

  // Runs the controllers until stop (or a lost lease).
  void RunControllers() {
    for (runtime::Controller* c : Controllers()) c->StartInformer();
    while (Running() && !(node_ctl->informer()->WaitForSync(std::chrono::milliseconds(100)) &&
                          assignment_ctl->informer()->WaitForSync(std::chrono::milliseconds(100)))) {
    }
    if (Running()) Recover();
    for (runtime::Controller* c : Controllers()) c->StartWorkers();
    std::thread audit;
    if (ledger && store) audit = std::thread([this] { AuditLedger(); });
    while (Running()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (audit.joinable()) audit.join();
    const auto deadline = std::chrono::steady_clock::now() + options.graceful_shutdown_timeout;
    for (runtime::Controller* c : Controllers()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (!c->Stop(std::max(left, std::chrono::milliseconds(0)))) {
        spdlog::warn("{} reconciles still running after the graceful shutdown timeout", c->name());
      }
    }
    // What the workers queued reaches the database while this replica still holds the lease.
    if (ledger) (void)ledger->Close(options.graceful_shutdown_timeout);
  }

  // Manager::New's steps, in order.
  Status ConnectKube();
  Status OpenLedger();
  void MakeControllers();
  void WireNodes();
  void WireAssignments();
  void WirePendingRemovals();
  void WireMigrations();
  Status ServeProbesAndMetrics();
  Status ServeConsole();
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
  api_server = std::move(client).value();
  kube = std::make_unique<kube::FencedClient>(api_server.get(), &fence);
  return Status::Ok();
}

// The ledger and its write queue, when --database-url is given.
Status Manager::Impl::OpenLedger() {
  if (!options.database_url.empty()) {
    // A database down at start is no reason to stop failing users over: the operator runs, the
    // ledger's readiness check fails, writes wait in the queue, and the schema is applied when
    // the database answers. Only an unreadable --database-url stops it.
    auto opened = store::PgLedgerStore::OpenWhenReachable(options.database_url);
    if (!opened.ok()) return opened.status().WithContext("ledger");
    store = std::move(opened).value();
    if (Status schema = store->SchemaStatus(); !schema.ok()) {
      spdlog::warn("ledger unreachable at start, running without it until it answers: {}", schema.message());
    }
    ledger = std::make_unique<store::LedgerWriteQueue>(
        store.get(),
        store::LedgerWriteQueue::Options{.on_round_trip = [&metrics = metrics](const Status& s) { metrics.LedgerRoundTrip(s.ok()); },
                                         .on_dropped = [&metrics = metrics] { metrics.LedgerWriteDropped(); }},
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

// The four controllers' queues, and the drift diff's cache of placed users.
void Manager::Impl::MakeControllers() {
  const int workers = static_cast<int>(options.max_concurrent_reconciles);
  for (auto [ctl, name] : {std::pair{&node_ctl, kNodeController}, std::pair{&assignment_ctl, kAssignmentController},
                           std::pair{&migration_ctl, kMigrationController},
                           std::pair{&removals_ctl, kPendingRemovalsController}}) {
    *ctl = std::make_unique<runtime::Controller>(runtime::Controller::Options{.name = name, .workers = workers}, &clock,
                                                 &metrics);
  }
  placed = std::make_unique<PlacedUsersCache>(assignment_ctl.get(), [this](const std::string& node) { return this->book.PlacedOn(node); });
  events = std::make_unique<kube::EventRecorder>(kube.get(), "x3ui.io/operator", Identity(), &clock);
  budget = std::make_unique<MoveBudget>(options.disruption_budget);
}

// The panels' session pool and the node controller.
void Manager::Impl::WireNodes() {
  panels = std::make_unique<panel::PanelSessionPool>(&clock, panel::FencedTransports(panel::NewCppRestTransport, &fence), [&metrics = metrics](const std::string& key) {
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
                         [this](const std::string& ns, const std::string& node) { return this->placed->Get(ns, node); },
                         [this](const std::string& ns, const std::string& name) {
                           this->assignment_ctl->Enqueue(kube::ObjectKey{ns, name}.String());
                         },
                         [this](const std::string& ns, const std::string& name, std::vector<std::string> emails) {
                           const std::string key = kube::ObjectKey{ns, name}.String();
                           this->removals->HandExtra(key, std::move(emails));
                           this->removals_ctl->Enqueue(key);
                         },
                         &expected_keys, events.get()},
      nopts);
  WatchVpnNodes({.kube = kube.get(), .ns = options.namespace_, .nodes = node_ctl.get(), .assignments = assignment_ctl.get(),
                 .pending_removals = removals_ctl.get(), .reconciler = nodes.get(), .placed = placed.get()});
}

// The add batcher and the assignment controller.
void Manager::Impl::WireAssignments() {
  auto wake = [this](const std::string& key) { this->assignment_ctl->Enqueue(key); };
  batcher = std::make_unique<panel::AddBatcher>(
      panel::AddBatcher::Options{.linger = std::chrono::milliseconds(200), .max_wait = std::chrono::seconds(5)}, wake,
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
                               .wake = wake,
                               .on_move_step = [this](const std::string& step) { this->MaybeCrash(step); },
                               .batcher = batcher.get(),
                               .cached_assignment = [this](const std::string& key) { return this->assignment_ctl->informer()->Get(key); },
                               .cached_node = [this](const std::string& key) { return this->node_ctl->informer()->Get(key); }},
      AssignmentReconcilerOptions{.panel_hosts = options.PanelHosts(), .subscription_base_url = options.subscription_base_url});
  WatchVpnAssignments({.kube = kube.get(), .ns = options.namespace_, .assignments = assignment_ctl.get(),
                       .nodes = node_ctl.get(), .reconciler = assignments.get(), .placed = placed.get()});
}

// The pending-removals controller: extra clients and pending removals, keyed by node, woken by
// the node controller (it has no informer of its own).
void Manager::Impl::WirePendingRemovals() {
  removals = std::make_unique<PendingRemovalsReconciler>(PendingRemovalsReconcilerDeps{
      .panels = panels.get(),
      .remove_pending = [this](const std::string& ns, const std::string& node) { return this->assignments->RemovePending(ns, node); },
      .placed_on = [this](const std::string& ns, const std::string& node) { return this->book.PlacedOn(kube::ObjectKey{ns, node}.String()); },
      .reprobe = [this](const std::string& node_key) { this->node_ctl->Enqueue(node_key); }});
  removals_ctl->SetReconcile([this](const std::string& ns, const std::string& n) {
    const auto views = this->nodes->Views(ns);
    auto view = std::find_if(views.begin(), views.end(), [&](const auto& v) { return v.name == n; });
    return this->removals->Reconcile(ns, n, view != views.end() && view->phase == api::kPhaseReady);
  });
}

// The migration controller.
void Manager::Impl::WireMigrations() {
  migrations = std::make_unique<MigrationReconciler>(
      MigrationReconcilerDeps{.kube = kube.get(), .clock = &clock, .book = &book,
                              .nodes = [this](const std::string& ns) { return this->NodeViews(ns); },
                              .placed = [this](const std::string& ns) {
                                std::vector<kube::Json> out;
                                for (auto& o : this->assignment_ctl->informer()->ByIndex("namespace", ns)) {
                                  if (!api::AssignedNode(o).empty()) out.push_back(std::move(o));
                                }
                                return out;
                              },
                              .wake = [this](const std::string& key) { this->assignment_ctl->Enqueue(key); },
                              .events = events.get(),
                              .disruption_budget = options.disruption_budget},
      MigrationReconcilerOptions{});
  WatchVpnMigrations(kube.get(), options.namespace_, migration_ctl.get(), migrations.get());
}

// The health checks, and the /metrics and probe servers.
Status Manager::Impl::ServeProbesAndMetrics() {
  probes.AddHealthCheck("ping", [] { return Status::Ok(); });
  probes.AddReadyCheck("informers", [this] {
    if (!this->node_ctl->informer()->HasSynced()) return Status::Unavailable("VpnNode cache not synced");
    if (!this->assignment_ctl->informer()->HasSynced()) return Status::Unavailable("VpnAssignment cache not synced");
    if (!this->migration_ctl->informer()->HasSynced()) return Status::Unavailable("VpnMigration cache not synced");
    return Status::Ok();
  });
  probes.AddReadyCheck("ledger", [this] {
    auto unreachable = [this](const std::string& why) {
      return Status::Unavailable("the ledger database is unreachable" + why + "; " +
                                 std::to_string(this->ledger->Pending()) + " writes waiting");
    };
    if (this->store) {
      if (Status schema = this->store->SchemaStatus(); !schema.ok()) return unreachable(" (" + schema.message() + ")");
    }
    if (!this->ledger || this->ledger->Healthy()) return Status::Ok();
    return unreachable("");
  });
  for (auto [flag, addr, server, handler] :
       {std::tuple{"--metrics-bind-address", options.metrics_bind_address, &metrics_server,
                   http::HttpServer::Handler([this](const http::Request& r) {
                     if (r.path != "/metrics") return http::Response{404, "not found\n", "text/plain", {}};
                     this->CountAssignmentPhases();
                     if (this->ledger) this->metrics.LedgerWritesPending(static_cast<double>(this->ledger->Pending()));
                     return http::Response{200, this->metrics.Exposition(), "text/plain; version=0.0.4", {}};
                   })},
        std::tuple{"--health-probe-bind-address", options.health_probe_bind_address, &probe_server,
                   http::HttpServer::Handler([this](const http::Request& r) { return this->probes.Handle(r); })}}) {
    auto parsed = http::ParseBindAddress(addr);
    if (!parsed.ok()) return parsed.status().WithContext(flag);
    if (parsed->second == 0) continue;
    *server = std::make_unique<http::HttpServer>(parsed->first, parsed->second, handler);
    if (Status s = (*server)->Start(); !s.ok()) return s.WithContext(std::string(flag) + " " + addr + ": cannot listen");
  }
  return Status::Ok();
}

// The read-only fleet console, on its own server, rendered from the three informers' caches
// (every change to them is a new version of its snapshot).
Status Manager::Impl::ServeConsole() {
  auto served = dashboard::FleetConsole::Serve(
      options.dashboard_bind_address,
      {.nodes = [this] { return this->node_ctl->informer()->List(); },
       .assignments = [this] { return this->assignment_ctl->informer()->List(); },
       .migrations = [this] { return this->migration_ctl->informer()->List(); },
       .synced = [this] {
         return this->node_ctl->informer()->HasSynced() && this->assignment_ctl->informer()->HasSynced() &&
                this->migration_ctl->informer()->HasSynced();
       },
       .clock = &clock});
  if (!served.ok()) return served.status();
  console = std::move(served).value();
  if (!console) return Status::Ok();
  for (runtime::Controller* c : {node_ctl.get(), assignment_ctl.get(), migration_ctl.get()}) {
    c->informer()->AddHandlers(console->ChangeHandlers());
  }
  return Status::Ok();
}

Result<std::unique_ptr<Manager>> Manager::New(const Options& options) {
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.options = options;
  if (Status s = m.ConnectKube(); !s.ok()) return s;
  if (Status s = m.OpenLedger(); !s.ok()) return s;
  m.MakeControllers();
  m.WireNodes();
  m.WireAssignments();
  m.WirePendingRemovals();
  m.WireMigrations();
  if (Status s = m.ServeProbesAndMetrics(); !s.ok()) return s;
  if (Status s = m.ServeConsole(); !s.ok()) return s;
  return std::unique_ptr<Manager>(new Manager(std::move(impl)));
}

int Manager::Run() {
  Impl& m = *impl_;
  if (!m.options.leader_elect) {
    m.fence.OpenForever();
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
  le.fence = &m.fence;  // shut the moment leadership is in doubt: no panel call or cluster write after it
  auto elector = kube::LeaderElector::New(m.api_server.get(), le, &m.clock);
  if (!elector.ok()) {
    spdlog::error("{}", elector.status().message());
    return 1;
  }
  m.metrics.LeaderStatus(le.name, false);
  // The elector renews while the controllers run and, on Stop, until they have stopped; only
  // then does it release the Lease.
  (*elector)->Run(
      [&] {
        spdlog::info("leader election: lease={}/{} identity={} leading: starting controllers", lease_ns, le.name, le.identity);
        m.metrics.LeaderStatus(le.name, true);
        m.RunControllers();
        m.metrics.LeaderStatus(le.name, false);
        spdlog::info("leader election: lease={}/{} identity={} controllers stopped: releasing the lease", lease_ns, le.name,
                     le.identity);
      },
      [&] {
        // Another replica may be leading already: no drain, no further write of any kind.
        spdlog::error("leader election: lease={}/{} identity={} lost: no renewal within the renew deadline; exiting at once "
                      "so that another replica takes over", lease_ns, le.name, le.identity);
        spdlog::default_logger()->flush();
        std::_Exit(1);
      },
      &m.stop);
  return 0;
}

void Manager::Stop() { impl_->stop = true; }

}  // namespace x3ui::controller
