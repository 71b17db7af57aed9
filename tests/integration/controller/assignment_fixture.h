// The fixture of the assignment and migration reconcilers' tests: an in-memory API server, an
// in-process x3ui-sim with two panels (fra-1, fra-2), an in-memory ledger behind a write queue,
// and an AssignmentReconciler over them, with helpers to read what each holds.
#ifndef X3UI_TESTS_INTEGRATION_CONTROLLER_ASSIGNMENT_FIXTURE_H_
#define X3UI_TESTS_INTEGRATION_CONTROLLER_ASSIGNMENT_FIXTURE_H_

#include <algorithm>
#include <map>
#include <memory>
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

class AssignmentFixture : public ::testing::Test {
 protected:
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
    reconciler_ = std::make_unique<AssignmentReconciler>(
        AssignmentReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_,
                                 .nodes = [this](const std::string&) { return views_; },
                                 .ledger = ledger_.get(),
                                 .events = &events_,
                                 .store = &store_,
                                 .new_uuid = [this] { return "11111111-2222-4333-8444-" + std::to_string(100000000000 + ++ids_); },
                                 .new_token = [this](size_t n) { return std::string(n, 'a' + (++ids_ % 26)); }},
        AssignmentReconcilerOptions{.panel_timeout = 2s});
  }
  void TearDown() override { sim_->Stop(); }

  // A reconciler like the fixture's, with a disruption budget, a wake-up and a move-step hook: a
  // fresh one stands for a restarted process (same API server, panels and ledger).
  std::unique_ptr<AssignmentReconciler> Fresh(MoveBudget* budget = nullptr,
                                              std::function<void(const std::string&)> on_step = nullptr) {
    return std::make_unique<AssignmentReconciler>(
        AssignmentReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_,
                                 .nodes = [this](const std::string&) { return views_; },
                                 .ledger = ledger_.get(),
                                 .events = &events_,
                                 .store = &store_,
                                 .budget = budget,
                                 .wake = [this](const std::string& key) { woken_.push_back(key); },
                                 .on_move_step = std::move(on_step)},
        AssignmentReconcilerOptions{.panel_timeout = 2s});
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
  std::vector<std::string> woken_;

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
  // Event reasons recorded so far, in order.
  std::vector<std::string> EventReasons() {
    std::vector<std::string> out;
    const auto events = kube_.List(kube::kEvents, "vpn", {});
    for (const auto& e : events->items) out.push_back(e.value("reason", ""));
    std::sort(out.begin(), out.end());
    return out;
  }
  Result<runtime::ReconcileResult> Reconcile(const std::string& name) { return reconciler_->Reconcile("vpn", name); }

  RealClock clock_;
  kube::FakeKubeClient kube_{&clock_};
  panel::PanelSessionPool pool_{&clock_};
  store::MemoryLedgerStore store_{&clock_};
  std::unique_ptr<store::LedgerWriteQueue> ledger_;
  kube::EventRecorder events_{&kube_, "x3ui.io/operator", "test", &clock_};
  std::unique_ptr<sim::SimServer> sim_;
  std::unique_ptr<AssignmentReconciler> reconciler_;
  std::map<std::string, int> ports_;
  std::vector<balancer::NodeView> views_{View("fra-1"), View("fra-2")};
  int ids_ = 0;
};

}  // namespace x3ui::controller

#endif  // X3UI_TESTS_INTEGRATION_CONTROLLER_ASSIGNMENT_FIXTURE_H_
