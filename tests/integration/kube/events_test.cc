#include "pkg/kube/events.h"

#include <gtest/gtest.h>

#include "pkg/kube/fake_client.h"
#include "tests/integration/kube/kube_test_support.h"

namespace x3ui::kube {
namespace {

Json Regarding(const std::string& ns) {
  return {{"apiVersion", "x3ui.io/v1alpha1"},
          {"kind", "VpnAssignment"},
          {"metadata", {{"name", "alice"}, {"namespace", ns}, {"uid", "u-1"}, {"resourceVersion", "7"}}}};
}

TEST(EventRecorderTest, WritesEventsK8sIoV1OnTheRealServer) {
  RealClock clock;
  auto client = testing::RealClient(&clock);
  ASSERT_NE(client, nullptr) << "run through ctest";
  std::string ns = "events-" + std::to_string(::getpid());
  ASSERT_TRUE(client->Create(kNamespaces, "", {{"metadata", {{"name", ns}}}}).ok());
  EventRecorder rec(client.get(), "x3ui.io/operator", "test-pod", &clock);
  Status s = rec.Record(Regarding(ns), "Normal", "Placed", "Place", "placed on fra-1 (Balanced)");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(rec.using_core_events());
  Result<ObjectList> events = client->List(kEvents, ns, {});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_EQ(events->items[0]["reason"], "Placed");
  EXPECT_EQ(events->items[0]["regarding"]["name"], "alice");
  EXPECT_EQ(events->items[0]["reportingController"], "x3ui.io/operator");
  Result<ObjectList> core = client->List(kCoreEvents, ns, {});
  ASSERT_TRUE(core.ok());
  EXPECT_EQ(core->items.size(), 1u) << "the API server shows the same event through core/v1";
  (void)client->Delete(kNamespaces, "", ns);
}

TEST(EventRecorderTest, FallsBackToCoreV1WhenEventsK8sIoIsNotServed) {
  RealClock clock;
  FakeKubeClient fake(&clock);
  fake.DisableResource(kEvents);
  EventRecorder rec(&fake, "x3ui.io/operator", "test-pod", &clock);
  ASSERT_TRUE(rec.Record(Regarding("vpn"), "Warning", "PanelUnreachable", "Probe", "connection refused").ok());
  EXPECT_TRUE(rec.using_core_events());
  Result<ObjectList> core = fake.List(kCoreEvents, "vpn", {});
  ASSERT_EQ(core->items.size(), 1u);
  EXPECT_EQ(core->items[0]["involvedObject"]["kind"], "VpnAssignment");
  EXPECT_EQ(core->items[0]["type"], "Warning");
  EXPECT_EQ(core->items[0]["message"], "connection refused");
}

}  // namespace
}  // namespace x3ui::kube

namespace x3ui::kube {
namespace {

TEST(RestClientTest, ObserverSeesEveryRequestWithCodeMethodAndHost) {
  RealClock clock;
  Result<RestConfig> cfg = LoadKubeconfig(x3ui::testing::ReadEnvFile(testing::ControlPlaneEnv(), "KUBECONFIG"));
  ASSERT_TRUE(cfg.ok());
  std::mutex mu;
  std::map<std::string, int> seen;
  auto client = RestClient::New(*cfg, &clock, [&](const std::string& code, const std::string& method, const std::string& host) {
    std::lock_guard<std::mutex> l(mu);
    ++seen[code + " " + method];
    EXPECT_EQ(host.rfind("127.0.0.1:", 0), 0u) << host;
  });
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get(kNamespaces, "", "no-such-namespace").status().code(), Status::Code::kNotFound);
  EXPECT_TRUE((*client)->List(kNamespaces, "", {}).ok());
  EXPECT_EQ(seen["404 GET"], 1);
  EXPECT_EQ(seen["200 GET"], 1);
}

TEST(RestClientTest, WrongTokenIsUnauthenticated) {
  RealClock clock;
  Result<RestConfig> cfg = LoadKubeconfig(x3ui::testing::ReadEnvFile(testing::ControlPlaneEnv(), "KUBECONFIG"));
  ASSERT_TRUE(cfg.ok());
  cfg->token = "not-the-token";
  auto client = RestClient::New(*cfg, &clock);
  ASSERT_TRUE(client.ok());
  Status s = (*client)->List(kVpnNodes, "default", {}).status();
  EXPECT_EQ(s.code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(s.ToString().find("not-the-token"), std::string::npos) << "credentials never in errors";
  cfg->token.clear();
  cfg->ca_pem.clear();  // system roots do not trust the test CA
  auto untrusted = RestClient::New(*cfg, &clock);
  EXPECT_EQ((*untrusted)->List(kNamespaces, "", {}).status().code(), Status::Code::kUnavailable)
      << "TLS verification is on by default";
}

}  // namespace
}  // namespace x3ui::kube
