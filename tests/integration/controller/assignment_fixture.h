// The fixture of the assignment and migration reconcilers' tests: an in-memory API server, an
// in-process x3ui-sim with two panels (fra-1, fra-2), an in-memory ledger behind a write queue,
// and an AssignmentReconciler over them wired as the manager wires it: with an AddBatcher whose
// flushes wake the user again, and a fake clock. Helpers run a user's passes as the work queue
// would (Converge, AdvanceClock) and read what each component holds.
#ifndef X3UI_TESTS_INTEGRATION_CONTROLLER_ASSIGNMENT_FIXTURE_H_
#define X3UI_TESTS_INTEGRATION_CONTROLLER_ASSIGNMENT_FIXTURE_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controller/assignment/reconciler.h"
#include "controller/options.h"
#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/common/base64.h"
#include "pkg/kube/fake_client.h"
#include "pkg/store/memory_ledger_store.h"
#include "pkg/x3ui/add_batcher.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::controller {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// The fake clock's start: 2026-01-01T00:00:00Z.
inline constexpr std::chrono::seconds kFixtureEpoch{1767225600};

class AssignmentFixture : public ::testing::Test {
 protected:
  // Time. Everything that reads time through a Clock reads clock_, a FakeClock: the API server's
  // timestamps, the panel clients' login back-off, the ledger's timestamps, Events' times and
  // names, the reconcilers' condition and migration times. Real time remains where a real thread
  // or socket waits: the AddBatcher's linger and max_wait (its flusher thread waits on the steady
  // clock), the session pool's listing age (steady clock), HTTP timeouts to the sim's sockets,
  // and the ledger write queue's thread (Drain waits for it).
  //
  // The batcher has the manager's wiring (its wake puts the user on the queue, a flush report
  // is kept) with a shorter linger and max_wait than the manager's 200 ms and 5 s: a test hands
  // it one user at a time, and the linger is real time added to every placement and move.
  static constexpr panel::AddBatcher::Options kBatcherOptions{.linger = 20ms, .max_wait = 200ms};
  // How long Converge waits for a flush to wake the user before the test fails.
  static constexpr std::chrono::milliseconds kConvergeDeadline = 10s;

  void SetUp() override {
    ASSERT_TRUE(kube_.LoadCrdDefaults(std::string(X3UI_SOURCE_DIR) + "/crds").ok());
    std::vector<sim::PanelConfig> panels;
    for (const char* name : {"fra-1", "fra-2"}) {
      sim::PanelConfig p;
      p.name = name;
      p.port = testing::FreePort();
      p.base_path = "/";
      p.username = "admin";
      p.password = "panel-password-secret";
      p.flavor = sim::Flavor::kV28;
      p.inbounds = sim::DefaultInbounds(name);
      ports_[name] = p.port;
      panels.push_back(p);
    }
    sim_ = std::make_unique<sim::SimServer>(panels, testing::FreePort());
    ASSERT_TRUE(sim_->Start().ok());
    ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn",
                             {{"metadata", {{"name", "panel"}, {"labels", {{"x3ui.io/panel-credentials", "true"}}}}},
                              {"data", {{"username", Base64Encode("admin")}, {"password", Base64Encode("panel-password-secret")}}}})
                    .ok());
    for (const auto& [name, port] : ports_) ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node(name, port)).ok());
    ledger_ = std::make_unique<store::LedgerWriteQueue>(&store_, store::LedgerWriteQueue::Options{}, nullptr);
    Restart([this](AssignmentReconcilerDeps& d) {
      d.new_uuid = [this] { return "11111111-2222-4333-8444-" + std::to_string(100000000000 + ++ids_); };
      d.new_token = [this](size_t n) { return std::string(n, 'a' + (++ids_ % 26)); };
    });
  }
  void TearDown() override {
    reconciler_.reset();
    batcher_.reset();
    sim_->Stop();
  }

  // A new operator process over the same API server, panels and ledger: a new batcher (the old
  // one, destroyed first, drops what it still holds, as a process's death would), a new
  // reconciler, an empty work queue. `edit` adjusts the dependencies (a budget, a move-step hook,
  // cache lookups); `batched` false builds the reconciler without a batcher.
  void Restart(std::function<void(AssignmentReconcilerDeps&)> edit = nullptr, bool batched = true) {
    reconciler_.reset();
    batcher_.reset();
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      queued_.clear();
      due_.clear();
      batch_wakes_ = reported_ = 0;
      flushes_.clear();
    }
    if (batched) {
      batcher_ = std::make_unique<panel::AddBatcher>(
          kBatcherOptions,
          [this](const std::string& key) {
            {
              std::lock_guard<std::mutex> l(queue_mu_);
              ++batch_wakes_;
            }
            Enqueue(key);
          },
          [this](const panel::AddBatcher::FlushReport& r) {
            std::lock_guard<std::mutex> l(queue_mu_);
            flushes_.push_back(r);
            reported_ += r.added + r.failed;
            queue_cv_.notify_all();
          });
    }
    AssignmentReconcilerDeps deps{.kube = &kube_, .panels = &pool_, .clock = &clock_,
                                  .nodes = [this](const std::string&) { return views_; },
                                  .ledger = ledger_.get(),
                                  .events = &events_,
                                  .store = &store_,
                                  .wake = [this](const std::string& key) { Wake(key); },
                                  .batcher = batcher_.get()};
    if (edit) edit(deps);
    reconciler_ = std::make_unique<AssignmentReconciler>(std::move(deps), AssignmentReconcilerOptions{.panel_timeout = 2s});
  }

  // The work queue. The batcher's flushes and the reconcilers' `wake` put keys on it.
  void Enqueue(const std::string& key) {
    std::lock_guard<std::mutex> l(queue_mu_);
    queued_.insert(key);
    queue_cv_.notify_all();
  }
  // A reconciler's `wake` (a freed budget slot, a VpnMigration's move): logged, then queued.
  void Wake(const std::string& key) {
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      woken_.push_back(key);
    }
    Enqueue(key);
  }
  bool TakeQueued(const std::string& key) {
    std::lock_guard<std::mutex> l(queue_mu_);
    return queued_.erase(key) > 0;
  }
  // The keys the reconcilers' `wake` was called with (a freed budget slot, a VpnMigration), in
  // order; the batcher's wakes are not among them.
  std::vector<std::string> Woken() {
    std::lock_guard<std::mutex> l(queue_mu_);
    return woken_;
  }
  // The batcher's flush reports so far. A flush reports after it has woken its users, so this
  // waits until every user woken so far has been reported.
  std::vector<panel::AddBatcher::FlushReport> Flushes() {
    std::unique_lock<std::mutex> l(queue_mu_);
    EXPECT_TRUE(queue_cv_.wait_for(l, kConvergeDeadline, [&] { return reported_ >= batch_wakes_; }))
        << reported_ << " users reported by flushes, " << batch_wakes_ << " woken";
    return flushes_;
  }

  // One pass for `name`, as a worker runs it: 1 ms of fake time after the previous pass (Events
  // are named by the time in nanoseconds, as client-go names them, so two passes at one instant
  // would name their Events alike). Remembers when the result asks to be run again.
  Result<runtime::ReconcileResult> Pass(const std::string& name) {
    clock_.Advance(1ms);
    TakeQueued("vpn/" + name);
    Result<runtime::ReconcileResult> r = reconciler_->Reconcile("vpn", name);
    std::lock_guard<std::mutex> l(queue_mu_);
    if (r.ok() && r->requeue_after > 0ms) {
      due_["vpn/" + name] = clock_.Now() + r->requeue_after;
    } else {
      due_.erase("vpn/" + name);
    }
    return r;
  }

  // Runs `name`'s pass, then every pass the batcher wakes it for, until the batcher holds nothing
  // of it and no wake is queued for it: the passes the work queue would run. `before_woken_pass`
  // runs before each woken pass. Fails the test when a flush does not wake the user in time.
  // (The batcher marks a user done, then calls its wake; a check that fell between the two would
  // end early. It cannot in practice: the check follows the pass at once, and a flush first
  // waits the linger.)
  Result<runtime::ReconcileResult> Converge(const std::string& name, std::function<void()> before_woken_pass = nullptr) {
    const std::string key = "vpn/" + name;
    Result<runtime::ReconcileResult> r = Pass(name);
    const auto deadline = std::chrono::steady_clock::now() + kConvergeDeadline;
    while (r.ok()) {
      if (batcher_ && batcher_->Pending(key)) {
        // The flush wakes the user once the batch is sent and verified.
        std::unique_lock<std::mutex> l(queue_mu_);
        if (!queue_cv_.wait_until(l, deadline, [&] { return queued_.count(key) > 0; })) {
          ADD_FAILURE() << "the batcher did not wake " << key << " within " << kConvergeDeadline.count() << " ms";
          return r;
        }
      } else {
        std::lock_guard<std::mutex> l(queue_mu_);
        if (queued_.count(key) == 0) return r;
      }
      if (before_woken_pass) before_woken_pass();
      r = Pass(name);
    }
    return r;
  }

  // Moves the fake clock on by `d` and runs every pass whose requeue_after has come due, as the
  // work queue's delaying queue would.
  void AdvanceClock(std::chrono::milliseconds d) {
    clock_.Advance(d);
    std::vector<std::string> due;
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      for (const auto& [key, at] : due_) {
        if (at <= clock_.Now()) due.push_back(key);
      }
    }
    for (const std::string& key : due) {
      auto r = Converge(key.substr(key.find('/') + 1));
      EXPECT_TRUE(r.ok()) << key << ": " << r.status().ToString();
    }
  }
  // When `name`'s last pass asked to be run again; nullopt when it did not.
  std::optional<TimePoint> DueAt(const std::string& name) {
    std::lock_guard<std::mutex> l(queue_mu_);
    auto it = due_.find("vpn/" + name);
    return it == due_.end() ? std::nullopt : std::optional<TimePoint>(it->second);
  }

  // Creates assignment `name` and converges it.
  void Place(const std::string& name, Json spec_extra = Json::object()) {
    ASSERT_TRUE(kube_.Create(kube::kVpnAssignments, "vpn", Assignment(name, std::move(spec_extra))).ok());
    auto r = Converge(name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // What the node's probe does before it hands drifted users to their reconciler: a real listing
  // of `node`'s panel, kept in its session for the users' passes (which otherwise reuse a
  // listing up to listing_max_age old, on the steady clock).
  void ProbeListing(const std::string& node) {
    std::shared_ptr<panel::PanelSession> session = pool_.Find("vpn/" + node);
    ASSERT_NE(session, nullptr) << node;
    ASSERT_TRUE(session->ListInbounds(0ms).ok()) << node;
  }
  // Which panels hold an owned client of `name` on inbound 1.
  std::string PanelsHolding(const std::string& name) {
    std::string out;
    for (const char* p : {"fra-1", "fra-2"}) {
      if (!PanelClient(p, 1, "reality." + name + "@vpn.x3ui").is_null()) out += out.empty() ? p : std::string(",") + p;
    }
    return out;
  }
  std::string LedgerNode(const std::string& name) {
    EXPECT_TRUE(ledger_->Drain(5s));
    auto row = store_.ActivePlacement("vpn", name);
    return row.ok() && row->has_value() ? (*row)->record.node : "";
  }

  static Json Node(const std::string& name, int port) {
    return {{"metadata", {{"name", name}}},
            {"spec",
             {{"panel", {{"url", "http://127.0.0.1:" + std::to_string(port) + "/"}, {"credentialsSecretRef", {{"name", "panel"}}}}},
              {"publicHost", name + ".example.com"},
              {"inbounds", {{{"name", "reality"}, {"id", 1}, {"protocol", "vless"}},
                            {{"name", "trojan"}, {"tag", "inbound-8443"}, {"protocol", "trojan"}}}},
              {"capacity", {{"maxUsers", 100}}}}}};
  }
  static balancer::NodeView View(const std::string& name) {
    balancer::NodeView v;
    v.name = name;
    v.max_users = 100;
    return v;
  }
  Json Assignment(const std::string& name, Json spec_extra = Json::object()) {
    Json spec = {{"user", {{"id", "u-" + name}, {"email", name + "@example.com"}}}};
    spec.update(spec_extra);
    return {{"metadata", {{"name", name}}}, {"spec", spec}};
  }
  api::VpnAssignment Read(const std::string& name) {
    return *api::DecodeVpnAssignment(*kube_.Get(kube::kVpnAssignments, "vpn", name));
  }
  const api::Condition& Cond(const api::VpnAssignment& a, const char* type) {
    static const api::Condition kNone;
    const api::Condition* c = api::FindCondition(a.status.conditions, type);
    return c ? *c : kNone;
  }
  std::string SecretKey(const std::string& name, const char* key) {
    auto s = kube_.Get(kube::kSecrets, "vpn", CredentialsSecretName(name));
    if (!s.ok() || !(*s)["data"].contains(key)) return "";
    return Base64Decode((*s)["data"][key].get<std::string>()).value_or("");
  }
  // The client with `email` on inbound `id` of panel `panel`, or null.
  Json PanelClient(const std::string& panel, int64_t inbound_id, const std::string& email) {
    const Json described = sim_->panel(panel)->Describe();
    for (const auto& in : described["inbounds"]) {
      if (in["id"] != inbound_id) continue;
      for (const auto& c : in["clients"]) {
        if (c.value("email", "") == email) return c;
      }
    }
    return nullptr;
  }
  // The reasons of the Events recorded about assignment `name`, sorted.
  std::vector<std::string> EventReasonsOf(const std::string& name) {
    std::vector<std::string> out;
    const auto events = kube_.List(kube::kEvents, "vpn", {});
    for (const auto& e : events->items) {
      if (e.value("regarding", Json::object()).value("name", "") == name) out.push_back(e.value("reason", ""));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Event reasons recorded so far, sorted.
  std::vector<std::string> EventReasons() {
    std::vector<std::string> out;
    const auto events = kube_.List(kube::kEvents, "vpn", {});
    for (const auto& e : events->items) out.push_back(e.value("reason", ""));
    std::sort(out.begin(), out.end());
    return out;
  }

  FakeClock clock_{TimePoint{kFixtureEpoch}};
  kube::FakeKubeClient kube_{&clock_};
  panel::PanelSessionPool pool_{&clock_};
  store::MemoryLedgerStore store_{&clock_};
  std::unique_ptr<store::LedgerWriteQueue> ledger_;
  kube::EventRecorder events_{&kube_, "x3ui.io/operator", "test", &clock_};
  std::unique_ptr<sim::SimServer> sim_;
  // The work queue (through Enqueue, Wake, TakeQueued, Woken, Flushes): declared before the
  // batcher, whose flusher thread writes it, so that it outlives the batcher.
  std::mutex queue_mu_;  // guards the seven below
  std::condition_variable queue_cv_;
  std::set<std::string> queued_;
  std::map<std::string, TimePoint> due_;
  std::vector<std::string> woken_;
  std::vector<panel::AddBatcher::FlushReport> flushes_;
  size_t batch_wakes_ = 0;  // users the batcher has woken
  size_t reported_ = 0;     // users its flush reports have counted
  std::unique_ptr<panel::AddBatcher> batcher_;
  std::unique_ptr<AssignmentReconciler> reconciler_;
  std::map<std::string, int> ports_;
  std::vector<balancer::NodeView> views_{View("fra-1"), View("fra-2")};
  int ids_ = 0;

};

}  // namespace x3ui::controller

#endif  // X3UI_TESTS_INTEGRATION_CONTROLLER_ASSIGNMENT_FIXTURE_H_
