// NodeReconciler against the in-memory API server and x3ui-sim: status and conditions follow
// the panel's health, nothing is written when nothing changed, bad specs and missing Secrets
// are reported on the node, and no credential reaches the status.
#include "controller/node_reconciler.h"

#include <gtest/gtest.h>

#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/common/base64.h"
#include "pkg/kube/fake_client.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::controller {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

class NodeReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kube_.LoadCrdDefaults(std::string(X3UI_SOURCE_DIR) + "/crds").ok());
    sim::PanelConfig p;
    p.name = "fra-1";
    p.port = testing::FreePort();
    p.base_path = "/base/";
    p.username = "admin";
    p.password = "panel-password-secret";
    p.flavor = sim::Flavor::kV28;
    p.inbounds = sim::DefaultInbounds("fra-1");
    port_ = p.port;
    sim_ = std::make_unique<sim::SimServer>(std::vector<sim::PanelConfig>{p}, testing::FreePort());
    ASSERT_TRUE(sim_->Start().ok());
    ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn",
                             {{"metadata", {{"name", "fra-panel"}}},
                              {"data", {{"username", Base64Encode("admin")}, {"password", Base64Encode("panel-password-secret")}}}})
                    .ok());
    reconciler_ = std::make_unique<NodeReconciler>(
        NodeReconcilerDeps{&kube_, &pool_, &clock_, &metrics_, nullptr, [](const std::string&) { return 7; }},
        NodeReconcilerOptions{.health = {.failure_threshold = 2, .success_threshold = 1, .failover_grace = 60s},
                              .probe_interval = 30s, .probe_timeout = 2s});
  }
  void TearDown() override { sim_->Stop(); }

  Json Node(const std::string& secret = "fra-panel") {
    return {{"metadata", {{"name", "fra-1"}}},
            {"spec",
             {{"panel", {{"url", "http://127.0.0.1:" + std::to_string(port_) + "/base/"}, {"credentialsSecretRef", {{"name", secret}}}}},
              {"publicHost", "fra-1.example.com"},
              {"inbounds", {{{"name", "reality"}, {"id", 1}, {"protocol", "vless"}}}},
              {"capacity", {{"maxUsers", 100}}}}}};
  }
  api::VpnNode Read() { return *api::DecodeVpnNode(*kube_.Get(kube::kVpnNodes, "vpn", "fra-1")); }
  const api::Condition& Cond(const api::VpnNode& n, const char* type) {
    static const api::Condition kNone;
    const api::Condition* c = api::FindCondition(n.status.conditions, type);
    return c ? *c : kNone;
  }
  Result<ReconcileResult> Reconcile() { return reconciler_->Reconcile("vpn", "fra-1"); }

  RealClock clock_;
  kube::FakeKubeClient kube_{&clock_};
  panel::PanelSessionPool pool_{&clock_};
  metrics::Metrics metrics_;
  std::unique_ptr<sim::SimServer> sim_;
  std::unique_ptr<NodeReconciler> reconciler_;
  int port_ = 0;
};

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
  auto views = reconciler_->Views();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].phase, "Ready");
  EXPECT_EQ(views[0].max_users, 100);
  // Nothing changes on the panel: more probes, no more writes.
  ASSERT_TRUE(testing::Eventually([&] { return Reconcile().ok() && !Read().status.xray_version.empty(); }, 5s))
      << "server status is null for 2 s after the panel starts";
  int64_t writes = kube_.writes();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(kube_.writes(), writes) << "no heartbeat writes";
  EXPECT_NE(metrics_.Exposition().find("x3ui_node_up{node=\"vpn/fra-1\"} 1"), std::string::npos);
}

TEST_F(NodeReconcilerTest, OutageDegradesThenUnreachableThenRecovers) {
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  ASSERT_TRUE(Reconcile().ok());
  sim::Faults down;
  down.outage = true;
  ASSERT_TRUE(sim_->SetFaults("fra-1", down).ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Read().status.phase, "Degraded");
  EXPECT_EQ(Cond(Read(), api::kReachable).status, "False");
  auto r = Reconcile();
  ASSERT_TRUE(r.ok());
  api::VpnNode n = Read();
  EXPECT_EQ(n.status.phase, "Unreachable");
  EXPECT_EQ(Cond(n, api::kReady).reason, "Unreachable");
  EXPECT_LE(r->requeue_after, 30s) << "comes back no later than the failover grace";
  EXPECT_EQ(reconciler_->Views()[0].evacuate_reason, "") << "within the grace its users stay";
  EXPECT_EQ(api::Encode(n).dump().find("panel-password-secret"), std::string::npos) << "no credential in status";
  ASSERT_TRUE(sim_->SetFaults("fra-1", sim::Faults{}).ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Read().status.phase, "Ready") << "success_threshold 1";
  EXPECT_EQ(Cond(Read(), api::kReady).status, "True");
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

TEST_F(NodeReconcilerTest, DeletedNodeIsForgotten) {
  ASSERT_TRUE(kube_.Create(kube::kVpnNodes, "vpn", Node()).ok());
  ASSERT_TRUE(Reconcile().ok());
  ASSERT_TRUE(kube_.Delete(kube::kVpnNodes, "vpn", "fra-1").ok());
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_TRUE(reconciler_->Views().empty());
  EXPECT_EQ(pool_.size(), 0u);
  EXPECT_EQ(metrics_.Exposition().find("vpn/fra-1"), std::string::npos);
}

TEST(LatencyBucketTest, OnlyLargeMovesAreWritten) {
  EXPECT_TRUE(LatencyWorthWriting(0, 2));
  EXPECT_FALSE(LatencyWorthWriting(2, 1));
  EXPECT_FALSE(LatencyWorthWriting(4, 32));
  EXPECT_TRUE(LatencyWorthWriting(4, 64));
  EXPECT_FALSE(LatencyWorthWriting(256, 128));
  EXPECT_TRUE(LatencyWorthWriting(256, 512));
}

TEST(LatencyBucketTest, PowersOfTwo) {
  EXPECT_EQ(LatencyBucket(0ms), 0);
  EXPECT_EQ(LatencyBucket(1ms), 1);
  EXPECT_EQ(LatencyBucket(13ms), 8);
  EXPECT_EQ(LatencyBucket(16ms), 16);
  EXPECT_EQ(LatencyBucket(31ms), 16);
}

}  // namespace
}  // namespace x3ui::controller
