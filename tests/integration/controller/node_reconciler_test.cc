// NodeReconciler against the in-memory API server and x3ui-sim, on a FakeClock: status and
// conditions follow the panel's health over the failure and success thresholds and the failover
// grace, nothing is written when nothing changed, bad specs and missing Secrets are reported on
// the node, and no credential reaches the status.
#include "controller/node/reconciler.h"
#include "controller/pending_removals/reconciler.h"

#include <algorithm>
#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/common/base64.h"
#include "pkg/kube/events.h"
#include "pkg/kube/fake_client.h"
#include "pkg/x3ui/replies.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::controller {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// The in-memory API server, which can prune status.inbounds as an API server whose VpnNode CRD
// predates it does (a structural schema drops fields it does not know).
class PruningKube : public kube::FakeKubeClient {
 public:
  using kube::FakeKubeClient::FakeKubeClient;
  bool prune_inbounds = false;
  int status_updates = 0;  // requests, also those the pruning makes no-ops
  Result<Json> UpdateStatus(const kube::Resource& r, const std::string& ns, const Json& obj) override {
    ++status_updates;
    if (!prune_inbounds || !obj.contains("status")) return kube::FakeKubeClient::UpdateStatus(r, ns, obj);
    Json pruned = obj;
    pruned["status"].erase("inbounds");
    return kube::FakeKubeClient::UpdateStatus(r, ns, pruned);
  }
};

class NodeReconcilerTest : public ::testing::Test {
 protected:
  virtual sim::Flavor PanelFlavor() const { return sim::Flavor::kV28; }
  void SetUp() override {
    ASSERT_TRUE(kube_.LoadCrdDefaults(std::string(X3UI_SOURCE_DIR) + "/crds").ok());
    sim::PanelConfig p;
    p.name = "fra-1";
    p.port = testing::FreePort();
    p.base_path = "/base/";
    p.username = "admin";
    p.password = "panel-password-secret";
    p.flavor = PanelFlavor();
    p.inbounds = sim::DefaultInbounds("fra-1");
    p.status_warmup = 300ms;  // long enough for the first probe to see a null status
    port_ = p.port;
    sim_ = std::make_unique<sim::SimServer>(std::vector<sim::PanelConfig>{p}, testing::FreePort());
    ASSERT_TRUE(sim_->Start().ok());
    ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn",
                             {{"metadata", {{"name", "fra-panel"}, {"labels", {{"x3ui.io/panel-credentials", "true"}}}}},
                              {"data", {{"username", Base64Encode("admin")}, {"password", Base64Encode("panel-password-secret")}}}})
                    .ok());
    reconciler_ = std::make_unique<NodeReconciler>(
        NodeReconcilerDeps{&kube_, &pool_, &clock_, &metrics_, nullptr, [](const std::string&) { return 7; }},
        NodeReconcilerOptions{.health = {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
                              .probe_interval = 30s, .probe_timeout = 2s});
  }
  void TearDown() override { sim_->Stop(); }

  // VpnNode `name` (default fra-1) for the sim's panel fra-1.
  Json Node(const std::string& secret = "fra-panel", const std::string& name = "fra-1") {
    return {{"metadata", {{"name", name}}},
            {"spec",
             {{"panel", {{"url", "http://127.0.0.1:" + std::to_string(port_) + "/base/"}, {"credentialsSecretRef", {{"name", secret}}}}},
              {"publicHost", "fra-1.example.com"},
              {"inbounds", {{{"name", "reality"}, {"id", 1}, {"protocol", "vless"}}}},
              {"capacity", {{"maxUsers", 100}}}}}};
  }
  api::VpnNode Read(const std::string& name = "fra-1") { return *api::DecodeVpnNode(*kube_.Get(kube::kVpnNodes, "vpn", name)); }
  const api::Condition& Cond(const api::VpnNode& n, const char* type) {
    static const api::Condition kNone;
    const api::Condition* c = api::FindCondition(n.status.conditions, type);
    return c ? *c : kNone;
  }
  Result<runtime::ReconcileResult> Reconcile() { return reconciler_->Reconcile("vpn", "fra-1"); }

  // Everything that reads time through a Clock reads this one: the health hysteresis and the
  // failover grace, the panel clients' login back-off, condition times, the API server's
  // timestamps. Real time remains in the sim (its status is null for 2 s after it starts, on
  // the steady clock), in HTTP timeouts, and in the probe's latency (the steady clock).
  FakeClock clock_{TimePoint{std::chrono::seconds(1767225600)}};  // 2026-01-01T00:00:00Z
  PruningKube kube_{&clock_};
  panel::PanelSessionPool pool_{&clock_};
  metrics::Metrics metrics_;
  std::unique_ptr<sim::SimServer> sim_;
  std::unique_ptr<NodeReconciler> reconciler_;
  int port_ = 0;
  std::vector<std::string> reprobed_;
  std::set<std::string> placed_now_;  // assignments the cleanup controller finds placed on fra-1
  PendingRemovalsReconciler cleanup_{PendingRemovalsReconcilerDeps{
      .panels = &pool_,
      .placed_on = [this](const std::string&, const std::string&) {
        return std::vector<std::string>(placed_now_.begin(), placed_now_.end());
      },
      .reprobe = [this](const std::string& key) { reprobed_.push_back(key); }}};
};

// An owned client as the assignment reconciler would have written it for `name` on inbound reality.
Json OwnedClient(const std::string& name, bool enable = true) {
  return {{"id", "11111111-2222-4333-8444-" + std::string(12 - std::min<size_t>(12, name.size()), '0') + name.substr(0, 12)},
          {"email", OwnedClientEmail("vpn", name, "reality")},
          {"enable", enable},
          {"subId", "sub-" + name},
          {"comment", OwnedClientComment("vpn", name)}};
}

TEST_F(NodeReconcilerTest, HealthyPanelIsReadyAndIdleProbesWriteNothing) {
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  auto r = Reconcile();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requeue_after, 30s);
  api::VpnNode n = Read();
  EXPECT_EQ(n.status.phase, "Ready");
  EXPECT_EQ(Cond(n, api::kReady).status, "True") << Cond(n, api::kReady).message;
  EXPECT_EQ(Cond(n, api::kReachable).status, "True");
  EXPECT_EQ(Cond(n, api::kSchedulable).status, "True");
  EXPECT_EQ(n.status.api_flavor, "classic");
  EXPECT_EQ(n.status.users, 7);
  EXPECT_EQ(n.status.capacity, 100);
  EXPECT_EQ(n.status.observed_generation, 1);
  // The endpoint the subscription server builds the users' links from: no user key in it.
  ASSERT_EQ(n.status.inbounds.size(), 1u);
  EXPECT_EQ(n.status.inbounds[0].name, "reality");
  EXPECT_EQ(n.status.inbounds[0].protocol, "vless");
  EXPECT_EQ(n.status.inbounds[0].address, "fra-1.example.com");
  EXPECT_GT(n.status.inbounds[0].port, 0);
  EXPECT_EQ(n.status.inbounds[0].params.count("security"), 1u);
  EXPECT_EQ(api::Encode(n)["status"]["inbounds"].dump().find("@vpn.x3ui"), std::string::npos);
  auto views = reconciler_->Views();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].phase, "Ready");
  EXPECT_EQ(views[0].max_users, 100);
  // Nothing changes on the panel: more probes, no more writes.
  ASSERT_TRUE(testing::Eventually([&] { return Reconcile().ok() && !Read().status.xray_version.empty(); }, 5s))
      << "server status is null for a while after the panel starts";
  int64_t writes = kube_.writes();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(kube_.writes(), writes) << "no heartbeat writes";
  EXPECT_NE(metrics_.Exposition().find("x3ui_node_up{node=\"vpn/fra-1\"} 1"), std::string::npos);
}

// Under an older CRD the endpoints are pruned from every write: each probe must not write again.
TEST_F(NodeReconcilerTest, AnOlderCrdThatPrunesTheEndpointsDoesNotMakeEveryProbeWrite) {
  kube_.prune_inbounds = true;
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  ASSERT_TRUE(testing::Eventually([&] { return Reconcile().ok() && !Read().status.xray_version.empty(); }, 5s));
  EXPECT_TRUE(Read().status.inbounds.empty());
  const int updates = kube_.status_updates;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(kube_.status_updates, updates) << "a pruned field is not sent again on every probe";
  // Once the CRD is updated, the endpoints are published within the recheck.
  kube_.prune_inbounds = false;
  clock_.Advance(11min);
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Read().status.inbounds.size(), 1u);
}

// The node's health, probe by probe, on the fake clock: consecutive failures make a node
// Degraded then Unreachable; consecutive successes bring it back; once it has been Unreachable
// for the failover grace its users are to leave, and until then it is probed again no later
// than the grace's end.
TEST_F(NodeReconcilerTest, HealthFollowsTheThresholdsAndTheFailoverGrace) {
  struct Step {
    bool up;                             // the panel answers
    std::chrono::milliseconds advance;   // fake time before the probe
    const char* phase;
    const char* reachable;               // the Reachable condition's status
    const char* ready_reason;            // "" : not checked
    const char* evacuate_reason;         // the balancer's view
    std::chrono::milliseconds requeue_after;
  };
  struct Case {
    const char* name;
    health::HealthPolicy policy;
    std::vector<Step> steps;
  };
  const std::vector<Case> cases = {
      {"degraded-then-unreachable-then-recovered",
       {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
       {{true, 0ms, "Ready", "True", "", "", 30s},
        {false, 1s, "Degraded", "False", "", "", 30s},
        {false, 1s, "Unreachable", "False", "Unreachable", "", 30s},  // within the grace its users stay
        {true, 1s, "Ready", "True", "", "", 30s}}},                    // success_threshold 1
      {"two-successes-to-recover",
       {.failure_threshold = 2, .success_threshold = 2, .failover_grace = 60s},
       {{true, 0ms, "Ready", "True", "", "", 30s},
        {false, 1s, "Degraded", "False", "", "", 30s},
        {false, 1s, "Unreachable", "False", "Unreachable", "", 30s},
        {true, 1s, "Unreachable", "True", "", "", 30s},  // one good probe does not undo an outage
        {true, 1s, "Ready", "True", "", "", 30s}}},
      {"never-answered",
       {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
       {{false, 0ms, "Pending", "False", "", "", 30s},
        {false, 1s, "Unreachable", "False", "Unreachable", "", 30s}}},
      {"the-grace-ends",
       {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
       {{true, 0ms, "Ready", "True", "", "", 30s},
        {false, 1s, "Degraded", "False", "", "", 30s},
        {false, 1s, "Unreachable", "False", "Unreachable", "", 30s},
        {false, 40s, "Unreachable", "False", "Unreachable", "", 20s},  // back when the grace ends
        {false, 19999ms, "Unreachable", "False", "Unreachable", "", 1ms},
        {false, 1ms, "Unreachable", "False", "Unreachable", "NodeUnreachable", 30s},
        {true, 1s, "Ready", "True", "", "", 30s}}},
      {"a-success-within-the-grace",
       {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
       {{true, 0ms, "Ready", "True", "", "", 30s},
        {false, 1s, "Degraded", "False", "", "", 30s},
        {false, 1s, "Unreachable", "False", "Unreachable", "", 30s},
        {true, 59s, "Ready", "True", "", "", 30s},
        {false, 1s, "Degraded", "False", "", "", 30s},
        {false, 1s, "Unreachable", "False", "Unreachable", "", 30s}}},  // the grace starts again
  };
  int n = 0;
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    const std::string name = "h" + std::to_string(++n);  // a node of its own for the sim's fra-1
    NodeReconciler reconciler(NodeReconcilerDeps{&kube_, &pool_, &clock_, &metrics_, nullptr, [](const std::string&) { return 7; }},
                              NodeReconcilerOptions{.health = tc.policy, .probe_interval = 30s, .probe_timeout = 2s});
    ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node("fra-panel", name)).ok());
    int i = 0;
    for (const Step& step : tc.steps) {
      SCOPED_TRACE("step " + std::to_string(i++));
      sim::Faults faults;
      faults.outage = !step.up;
      ASSERT_TRUE(sim_->SetFaults("fra-1", faults).ok());
      clock_.Advance(step.advance);
      auto r = reconciler.Reconcile("vpn", name);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      api::VpnNode node = Read(name);
      EXPECT_EQ(node.status.phase, step.phase);
      EXPECT_EQ(Cond(node, api::kReachable).status, step.reachable) << Cond(node, api::kReachable).message;
      EXPECT_EQ(Cond(node, api::kReady).status, std::string_view(step.phase) == "Ready" ? "True" : "False");
      if (*step.ready_reason) {
        EXPECT_EQ(Cond(node, api::kReady).reason, step.ready_reason);
      }
      auto views = reconciler.Views();
      auto view = std::find_if(views.begin(), views.end(), [&](const auto& v) { return v.name == name; });
      ASSERT_NE(view, views.end());
      EXPECT_EQ(view->phase, step.phase);
      EXPECT_EQ(view->evacuate_reason, step.evacuate_reason);
      EXPECT_EQ(r->requeue_after, step.requeue_after);
      EXPECT_EQ(api::Encode(node).dump().find("panel-password-secret"), std::string::npos) << "no credential in status";
    }
  }
  ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok());
}

TEST_F(NodeReconcilerTest, InvalidSpecIsReportedWithoutProbing) {
  Json bad = Node();
  bad["spec"]["inbounds"][0]["name"] = "Bad_Name";  // the schema of the fake does not check patterns
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", bad).ok());
  auto r = Reconcile();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->requeue_after, 0ms) << "a spec change will bring it back";
  api::VpnNode n = Read();
  EXPECT_EQ(Cond(n, api::kReady).reason, "InvalidSpec");
  EXPECT_NE(Cond(n, api::kReady).message.find("spec.inbounds[0].name"), std::string::npos) << Cond(n, api::kReady).message;
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["counters"].value("login", 0), 0) << "no probe of a bad spec";
}

TEST_F(NodeReconcilerTest, MissingSecretAndMissingInboundAreConditions) {
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node("no-such-secret")).ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Cond(Read(), api::kReady).reason, "CredentialsMissing");
  EXPECT_NE(Cond(Read(), api::kReady).message.find("Secret vpn/no-such-secret"), std::string::npos);
  api::VpnNode n = Read();
  n.spec.panel.credentials_secret_ref.name = "fra-panel";
  n.spec.inbounds[0].id = 99;
  ASSERT_TRUE(kube_.Update(kube::kVpnNodes, "vpn", api::Encode(n)).ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Cond(Read(), api::kReady).reason, "InboundMissing");
  EXPECT_EQ(Cond(Read(), api::kReady).message, "the panel has no inbound reality (id 99)");
}

// A plain http:// panel is used, and says so: InsecureTransport=True PlainHttp and one Warning
// Event, not one per probe.
TEST_F(NodeReconcilerTest, APlainHttpPanelHasTheInsecureTransportConditionAndOneWarningEvent) {
  kube::EventRecorder events(&kube_, "x3ui.io/operator", "test", &clock_);
  NodeReconciler reconciler(NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_, .events = &events},
                            NodeReconcilerOptions{.probe_timeout = 2s});
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reconciler.Reconcile("vpn", "fra-1").ok());
  api::VpnNode n = Read();
  EXPECT_EQ(Cond(n, "InsecureTransport").status, "True");
  EXPECT_EQ(Cond(n, "InsecureTransport").reason, "PlainHttp");
  EXPECT_EQ(Cond(n, api::kReady).status, "True") << "used all the same: " << Cond(n, api::kReady).message;
  auto listed = kube_.List(kube::kEvents, "vpn", {});
  ASSERT_TRUE(listed.ok());
  int insecure = 0;
  for (const auto& e : listed->items) {
    if (e.value("reason", "") != "InsecureTransport") continue;
    ++insecure;
    EXPECT_EQ(e.value("type", ""), "Warning");
    EXPECT_EQ(e.dump().find("/base/"), std::string::npos) << "the Event quotes the URL's path";
  }
  EXPECT_EQ(insecure, 1) << "one Event on the transition, none per probe";
}

TEST_F(NodeReconcilerTest, RefuseInsecurePanelsSendsNoCredentialToAPlainHttpPanel) {
  NodeReconciler reconciler(
      NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_},
      NodeReconcilerOptions{.probe_timeout = 2s, .panel_hosts = PanelHostPolicy().RefusingInsecureTransport(true)});
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  ASSERT_TRUE(reconciler.Reconcile("vpn", "fra-1").ok());
  api::VpnNode n = Read();
  EXPECT_EQ(Cond(n, api::kReady).status, "False");
  EXPECT_EQ(Cond(n, api::kReady).reason, "InsecureTransportRefused");
  EXPECT_NE(Cond(n, api::kReady).message.find("--refuse-insecure-panels"), std::string::npos);
  EXPECT_EQ(Cond(n, "InsecureTransport").reason, "PlainHttp");
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["counters"].value("requests", 0), 0) << "the panel was contacted";
}

// A caSecretRef that is not PEM certificates is Ready=False CaInvalid naming the Secret and key;
// it is never silently replaced by the system roots.
TEST_F(NodeReconcilerTest, AGarbledCaBundleIsReadyFalseCaInvalid) {
  const std::string garbled = "-----BEGIN CERTIFICATE-----\nMIIBgarbled!!\n-----END CERTIFICATE-----\n";
  ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn", {{"metadata", {{"name", "fra-ca"}}}, {"data", {{"root.pem", Base64Encode(garbled)}}}})
                  .ok());
  Json node = Node();
  node["spec"]["panel"]["url"] = "https://127.0.0.1:" + std::to_string(port_) + "/base/";
  node["spec"]["panel"]["caSecretRef"] = {{"name", "fra-ca"}, {"key", "root.pem"}};
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", node).ok());
  ASSERT_TRUE(Reconcile().ok());
  api::VpnNode n = Read();
  EXPECT_EQ(Cond(n, api::kReady).status, "False");
  EXPECT_EQ(Cond(n, api::kReady).reason, "CaInvalid") << Cond(n, api::kReady).message;
  EXPECT_NE(Cond(n, api::kReady).message.find("Secret vpn/fra-ca key root.pem"), std::string::npos)
      << Cond(n, api::kReady).message;
  EXPECT_EQ(api::Encode(n).dump().find("MIIB"), std::string::npos) << "the status quotes the bundle";
  EXPECT_EQ(Cond(n, "InsecureTransport").status, "False");
  EXPECT_EQ(sim_->panel("fra-1")->Describe()["counters"].value("requests", 0), 0) << "the panel was contacted";
}

TEST_F(NodeReconcilerTest, ALoginBackOffOutlivesARestart) {
  // The panel refuses the credentials: one login, then a back-off.
  ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn",
                           {{"metadata", {{"name", "wrong"}, {"labels", {{"x3ui.io/panel-credentials", "true"}}}}},
                            {"data", {{"username", Base64Encode("admin")}, {"password", Base64Encode("not-it")}}}})
                  .ok());
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node("wrong")).ok());
  auto logins = [&] { return sim_->panel("fra-1")->Describe()["counters"].value("login", 0); };
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Cond(Read(), api::kReady).reason, "LoginFailed");
  EXPECT_EQ(logins(), 1);
  const std::string refused_since = Cond(Read(), api::kReady).last_transition_time;
  // A restarted operator (a new reconciler and session pool) keeps to it: no login at once.
  panel::PanelSessionPool pool2{&clock_};
  NodeReconciler restarted(NodeReconcilerDeps{&kube_, &pool2, &clock_, &metrics_, nullptr, [](const std::string&) { return 7; }},
                           NodeReconcilerOptions{.health = {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
                                                 .probe_interval = 30s, .probe_timeout = 2s});
  ASSERT_TRUE(restarted.Reconcile("vpn", "fra-1").ok());
  ASSERT_TRUE(restarted.Reconcile("vpn", "fra-1").ok());
  EXPECT_EQ(logins(), 1) << "no login before the back-off ends, however often it restarts";
  EXPECT_EQ(Cond(Read(), api::kReady).reason, "LoginFailed");
  EXPECT_EQ(Cond(Read(), api::kReady).last_transition_time, refused_since) << "the refusals' start is kept";
  // Once the back-off (60 s from the first refusal) has passed on the clock, it tries again.
  clock_.Advance(59s);
  ASSERT_TRUE(restarted.Reconcile("vpn", "fra-1").ok());
  EXPECT_EQ(logins(), 1) << "not a moment early";
  clock_.Advance(1s);
  ASSERT_TRUE(restarted.Reconcile("vpn", "fra-1").ok());
  EXPECT_EQ(logins(), 2) << "and no later";
  EXPECT_EQ(Cond(Read(), api::kReady).reason, "LoginFailed");
  EXPECT_EQ(Cond(Read(), api::kReady).last_transition_time, refused_since);
}

TEST_F(NodeReconcilerTest, DeletionWaitsForTheUsersThenTheNodeIsForgotten) {
  int64_t users = 2;
  reconciler_ = std::make_unique<NodeReconciler>(
      NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_, .metrics = &metrics_,
                         .users_on_node = [&](const std::string&) { return users; },
                         .placed_users = [](const std::string&, const std::string&) {
                           return std::optional<std::vector<PlacedUser>>(std::vector<PlacedUser>{});
                         },
                         .remove_extra = [&](const std::string& ns, const std::string& name, std::vector<std::string> e) {
                           cleanup_.HandExtra(ns + "/" + name, std::move(e));
                         }},
      NodeReconcilerOptions{.probe_interval = 30s, .probe_timeout = 2s});
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Read().metadata.finalizers, std::vector<std::string>{kNodeUsersFinalizer});
  ASSERT_TRUE(kube_.Delete(kube::kVpnNodes, "vpn", "fra-1").ok());
  auto r = Reconcile();
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->requeue_after, 2s) << "a deletion waits on this node: check it often";
  EXPECT_EQ(Cond(Read(), api::kReady).reason, "Deleting");
  EXPECT_EQ(Cond(Read(), api::kReady).message, "waiting for 2 user(s) to move to other nodes");
  ASSERT_EQ(reconciler_->Views().size(), 1u);
  EXPECT_EQ(reconciler_->Views()[0].evacuate_reason, "NodeDeleted");
  users = 0;
  ASSERT_TRUE(sim_->panel("fra-1")->AddClientByHand(1, OwnedClient("gone")));
  ASSERT_TRUE(Reconcile().ok()) << "finds the owned client left on the panel";
  EXPECT_TRUE(kube_.Get(kube::kVpnNodes, "vpn", "fra-1").ok()) << "released on the pass that finds the panel clean";
  ASSERT_TRUE(cleanup_.Reconcile("vpn", "fra-1", false).ok()) << "the cleanup controller removes it";
  EXPECT_EQ(reprobed_, std::vector<std::string>{"vpn/fra-1"});
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(kube_.Get(kube::kVpnNodes, "vpn", "fra-1").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(sim_->panel("fra-1")->Describe().dump().find(OwnedClientEmail("vpn", "gone", "reality")), std::string::npos);
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_TRUE(reconciler_->Views().empty());
  EXPECT_EQ(pool_.size(), 0u);
  EXPECT_EQ(metrics_.Exposition().find("vpn/fra-1"), std::string::npos);
}

TEST_F(NodeReconcilerTest, DriftIsReportedOwnedExtrasRemovedAndForeignClientsLeftAlone) {
  std::optional<std::vector<PlacedUser>> placed;  // nullopt: the caches are not synced yet
  std::vector<std::string> repaired;
  reconciler_ = std::make_unique<NodeReconciler>(
      NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_, .metrics = &metrics_,
                         .placed_users = [&](const std::string& ns, const std::string& node) {
                           EXPECT_EQ(ns + "/" + node, "vpn/fra-1");
                           return placed;
                         },
                         .repair = [&](const std::string&, const std::string& name) { repaired.push_back(name); },
                         .remove_extra = [&](const std::string& ns, const std::string& name, std::vector<std::string> e) {
                           cleanup_.HandExtra(ns + "/" + name, std::move(e));
                         }},
      NodeReconcilerOptions{.probe_interval = 30s, .probe_timeout = 2s});
  sim::SimPanel* panel = sim_->panel("fra-1");
  ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient("alice")));         // placed, as wanted
  ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient("carol", false)));  // placed, but disabled by hand: stale
  ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient("dave")));          // owned, no assignment: extra
  Json imitation = OwnedClient("erin");
  imitation["comment"] = "made by hand";  // our email pattern without our comment: not ours
  ASSERT_TRUE(panel->AddClientByHand(1, imitation));
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());

  // Before the assignment cache is complete nothing is diffed, so nothing is removed.
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Read().status.drift, api::DriftStatus{});
  EXPECT_EQ(Cond(Read(), api::kInSync).status, "");
  EXPECT_EQ(panel->Describe().dump().find(OwnedClientEmail("vpn", "dave", "reality")) != std::string::npos, true);

  api::VpnAssignmentSpec enabled;
  placed = std::vector<PlacedUser>{{"alice", enabled}, {"bob", enabled}, {"carol", enabled}};
  ASSERT_TRUE(Reconcile().ok());
  api::VpnNode n = Read();
  EXPECT_EQ(n.status.drift.missing, 1);  // bob
  EXPECT_EQ(n.status.drift.stale, 1);    // carol
  EXPECT_EQ(n.status.drift.extra, 1);    // dave
  EXPECT_EQ(n.status.drift.foreign, 2);  // the one set up by hand, and the imitation (trojan is not this node's inbound)
  EXPECT_EQ(Cond(n, api::kInSync).status, "False");
  EXPECT_EQ(Cond(n, api::kInSync).reason, "Drift");
  EXPECT_EQ(repaired, (std::vector<std::string>{"bob", "carol"}));
  ASSERT_TRUE(cleanup_.Reconcile("vpn", "fra-1", false).ok());  // the cleanup controller's pass
  const std::string after = panel->Describe().dump();
  EXPECT_EQ(after.find(OwnedClientEmail("vpn", "dave", "reality")), std::string::npos) << "the extra owned client goes";
  EXPECT_NE(after.find(OwnedClientEmail("vpn", "erin", "reality")), std::string::npos) << "a foreign client stays";
  EXPECT_NE(after.find("owner-fra-1-vless"), std::string::npos);
  EXPECT_NE(after.find(OwnedClientEmail("vpn", "alice", "reality")), std::string::npos);
  EXPECT_NE(metrics_.Exposition().find("x3ui_drift_clients{kind=\"extra\",node=\"vpn/fra-1\"} 1"), std::string::npos);

  // Once the assignments' reconciler has done its part, the node is in sync again.
  ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient("bob")));
  ASSERT_TRUE(panel->DeleteClientByHand(OwnedClientEmail("vpn", "carol", "reality")));
  ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient("carol")));
  repaired.clear();
  ASSERT_TRUE(Reconcile().ok());
  n = Read();
  EXPECT_EQ(n.status.drift, (api::DriftStatus{.foreign = 2}));
  EXPECT_EQ(Cond(n, api::kInSync).status, "True");
  EXPECT_TRUE(repaired.empty());
}

// A panel that answers again after its users failed over still holds all their clients. The
// probe reports them (extra) and writes its status at once; removing them, one call each, is
// the cleanup controller's work, not the probe's. A user placed back on the node meanwhile
// keeps its client.
TEST_F(NodeReconcilerTest, ARevivedPanelsLeftoversAreRemovedOffTheProbe) {
  std::vector<std::string> handed;
  reconciler_ = std::make_unique<NodeReconciler>(
      NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_, .metrics = &metrics_,
                         .placed_users = [&](const std::string&, const std::string&) {
                           return std::optional<std::vector<PlacedUser>>{std::vector<PlacedUser>{}};
                         },
                         .remove_extra = [&](const std::string& ns, const std::string& name, std::vector<std::string> e) {
                           handed = e;
                           cleanup_.HandExtra(ns + "/" + name, std::move(e));
                         }},
      NodeReconcilerOptions{.probe_interval = 30s, .probe_timeout = 2s});
  sim::SimPanel* panel = sim_->panel("fra-1");
  constexpr int kLeftovers = 120;
  for (int i = 0; i < kLeftovers; ++i) {
    std::string name = "u";
    name += std::to_string(i);
    ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient(name)));
  }
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  const Json before = panel->Describe()["mutations"];

  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(panel->Describe()["mutations"], before) << "the probe deletes nothing itself";
  api::VpnNode n = Read();
  EXPECT_EQ(n.status.phase, api::kPhaseReady) << "the status is written on the first probe";
  EXPECT_EQ(n.status.drift.extra, kLeftovers);
  EXPECT_EQ(handed.size(), static_cast<size_t>(kLeftovers));

  placed_now_ = {"u7"};  // placed back on fra-1 since the diff
  ASSERT_TRUE(cleanup_.Reconcile("vpn", "fra-1", false).ok());
  EXPECT_EQ(reprobed_, std::vector<std::string>{"vpn/fra-1"}) << "the node is probed again to show it";
  const std::string after = panel->Describe().dump();
  EXPECT_EQ(after.find(OwnedClientEmail("vpn", "u0", "reality")), std::string::npos);
  EXPECT_EQ(after.find(OwnedClientEmail("vpn", "u119", "reality")), std::string::npos);
  EXPECT_NE(after.find(OwnedClientEmail("vpn", "u7", "reality")), std::string::npos) << "wanted again: kept";
  placed_now_.clear();

  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Read().status.drift.extra, 1) << "u7's client, which nobody on the node wants in this test";
}

// From 3.0 a panel refuses to delete a client id it does not hold (2.x ignores it).
class NodeReconcilerOnV30Test : public NodeReconcilerTest {
 protected:
  sim::Flavor PanelFlavor() const override { return sim::Flavor::kV30; }
};

// A leftover removed by hand after the shared listing was taken is gone already when the
// clean-up, working from that listing, deletes it: that counts as removed, not as a failure to
// retry with backoff, and the other leftovers go in the same pass.
TEST_F(NodeReconcilerOnV30Test, ALeftoverAlreadyGoneFromThePanelCountsAsRemoved) {
  reconciler_ = std::make_unique<NodeReconciler>(
      NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_, .metrics = &metrics_,
                         .placed_users = [&](const std::string&, const std::string&) {
                           return std::optional<std::vector<PlacedUser>>{std::vector<PlacedUser>{}};
                         },
                         .remove_extra = [&](const std::string& ns, const std::string& name, std::vector<std::string> e) {
                           cleanup_.HandExtra(ns + "/" + name, std::move(e));
                         }},
      NodeReconcilerOptions{.probe_interval = 30s, .probe_timeout = 2s});
  sim::SimPanel* panel = sim_->panel("fra-1");
  for (const char* name : {"u0", "u1", "u2", "u3"}) ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient(name)));
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  ASSERT_TRUE(Reconcile().ok());
  ASSERT_EQ(Read().status.drift.extra, 4);

  // The listing the node's users share, taken now; then a person removes u1 on the panel.
  std::shared_ptr<panel::PanelSession> session = pool_.Find("vpn/fra-1");
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->SharedListing(10s).ok());
  ASSERT_TRUE(panel->DeleteClientByHand(OwnedClientEmail("vpn", "u1", "reality")));
  Result<runtime::ReconcileResult> cleaned = cleanup_.Reconcile("vpn", "fra-1", false);
  ASSERT_TRUE(cleaned.ok()) << cleaned.status().ToString();
  const std::string after = panel->Describe().dump();
  for (const char* name : {"u0", "u2"}) {
    EXPECT_EQ(after.find(OwnedClientEmail("vpn", name, "reality")), std::string::npos) << name << " is still on the panel";
  }
}

// A client whose UUID was changed by hand keeps both markers and the spec's limits: only its
// keys tell that the user can no longer connect. The diff compares them with the fingerprint the
// user's own pass recorded, and hands the user to its reconciler.
TEST_F(NodeReconcilerTest, AClientWhoseUuidWasChangedByHandIsStale) {
  std::vector<std::string> repaired;
  ExpectedKeys keys;
  reconciler_ = std::make_unique<NodeReconciler>(
      NodeReconcilerDeps{.kube = &kube_, .panels = &pool_, .clock = &clock_, .metrics = &metrics_,
                         .placed_users = [&](const std::string&, const std::string&) {
                           return std::optional<std::vector<PlacedUser>>{{{"alice", {}}, {"bob", {}}}};
                         },
                         .repair = [&](const std::string&, const std::string& name) { repaired.push_back(name); },
                         .expected_keys = &keys},
      NodeReconcilerOptions{.probe_interval = 30s, .probe_timeout = 2s});
  for (const char* name : {"alice", "bob"}) {
    Result<std::vector<panel::Client>> c = panel::ParseClients(Json{{"clients", {OwnedClient(name)}}});
    ASSERT_TRUE(c.ok() && c->size() == 1);
    keys.Set(std::string("vpn/") + name, "reality", KeyFingerprint(c->front()));
  }
  sim::SimPanel* panel = sim_->panel("fra-1");
  ASSERT_TRUE(panel->AddClientByHand(1, OwnedClient("alice")));
  Json rekeyed = OwnedClient("bob");
  rekeyed["id"] = "9e1b8a4e-0000-4000-8000-0000000bad01";  // changed by hand on the panel
  ASSERT_TRUE(panel->AddClientByHand(1, rekeyed));
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());

  ASSERT_TRUE(Reconcile().ok());
  api::VpnNode n = Read();
  EXPECT_EQ(n.status.drift.stale, 1);
  EXPECT_EQ(n.status.drift.missing, 0);
  EXPECT_EQ(Cond(n, api::kInSync).status, "False");
  EXPECT_EQ(repaired, (std::vector<std::string>{"bob"}));
  EXPECT_EQ(n.status.drift, (api::DriftStatus{.stale = 1, .foreign = 1}));
}

TEST(OwnedClientsTest, StaleIsOneRuleForEveryManagedField) {
  api::VpnAssignmentSpec spec;
  spec.limits.ip_limit = 2;
  UserKeys keys{"11111111-2222-4333-8444-555555555555", "pw", "sub"};
  const panel::Client want = DesiredClient("vpn", "alice", spec, "reality", "vless", keys);
  const uint64_t fp = KeyFingerprint(want);
  struct Case {
    const char* what;
    std::function<void(panel::Client&)> edit;
    bool stale;
    bool stale_without_keys;
  };
  const std::vector<Case> cases = {
      {"as wanted", [](panel::Client&) {}, false, false},
      {"UUID changed", [](panel::Client& c) { c.id = "9e1b8a4e-0000-4000-8000-0000000bad01"; }, true, false},
      {"password changed", [](panel::Client& c) { c.password = "set-by-hand"; }, true, false},
      {"subId changed", [](panel::Client& c) { c.sub_id = "other"; }, true, false},
      {"disabled", [](panel::Client& c) { c.enable = false; }, true, true},
      {"ip limit", [](panel::Client& c) { c.limit_ip = 0; }, true, true},
      {"quota", [](panel::Client& c) { c.total_bytes = 1; }, true, true},
      {"expiry", [](panel::Client& c) { c.expiry_time = 1; }, true, true},
      {"comment", [](panel::Client& c) { c.comment = "by hand"; }, true, true},
      {"flow is not ours", [](panel::Client& c) { c.flow = "xtls-rprx-vision"; }, false, false},
  };
  for (const Case& tc : cases) {
    panel::Client have = want;
    tc.edit(have);
    EXPECT_EQ(Stale(have, want, fp), tc.stale) << tc.what;
    EXPECT_EQ(Stale(have, want, std::nullopt), tc.stale_without_keys) << tc.what;
    EXPECT_FALSE(Stale(Merge(have, want), want, fp)) << tc.what << ": Merge writes every managed field";
  }
}

TEST(OwnedClientsTest, OwnerNeedsBothMarkers) {
  panel::Client c;
  c.email = OwnedClientEmail("vpn", "alice.smith", "reality");
  c.comment = OwnedClientComment("vpn", "alice.smith");
  EXPECT_EQ(OwnerOf("vpn", c), "alice.smith");
  EXPECT_EQ(OwnerOf("other", c), std::nullopt) << "another namespace's client is not this node's business";
  c.email = "REALITY.Alice.Smith@VPN.x3ui";
  EXPECT_EQ(OwnerOf("vpn", c), "alice.smith") << "the panel compares emails case-insensitively";
  c.comment = "x3ui-operator:vpn/bob";
  EXPECT_EQ(OwnerOf("vpn", c), std::nullopt);
  for (const char* email : {"@vpn.x3ui", "reality@vpn.x3ui", ".alice@vpn.x3ui", "reality.@vpn.x3ui", "alice@example.com"}) {
    c.email = email;
    c.comment = OwnedClientComment("vpn", "alice");
    EXPECT_EQ(OwnerOf("vpn", c), std::nullopt) << email;
  }
}

}  // namespace
}  // namespace x3ui::controller
