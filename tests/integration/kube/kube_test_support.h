// Shared helpers for the Kubernetes integration tests.
#ifndef X3UI_TESTS_INTEGRATION_KUBE_KUBE_TEST_SUPPORT_H_
#define X3UI_TESTS_INTEGRATION_KUBE_KUBE_TEST_SUPPORT_H_

#include <cstdlib>
#include <memory>
#include <string>

#include "pkg/kube/config.h"
#include "pkg/kube/rest_client.h"
#include "tests/support/env_file.h"

namespace x3ui::kube::testing {

// The env file of the control plane the CTest fixture started (X3UI_TEST_KUBE_ENV).
inline std::string ControlPlaneEnv() {
  const char* env = std::getenv("X3UI_TEST_KUBE_ENV");
  return env == nullptr ? "" : env;
}

// A client for the fixture's control plane, or null when there is none.
inline std::unique_ptr<KubeClient> RealClient(const Clock* clock) {
  std::string env = ControlPlaneEnv();
  if (env.empty()) return nullptr;
  Result<RestConfig> cfg = LoadKubeconfig(x3ui::testing::ReadEnvFile(env, "KUBECONFIG"));
  if (!cfg.ok()) return nullptr;
  cfg->qps = 1000;
  cfg->burst = 1000;
  auto c = RestClient::New(*cfg, clock);
  return c.ok() ? std::move(c).value() : nullptr;
}

inline Json Node(const std::string& name, const std::string& region = "eu", int64_t max_users = 10) {
  return {{"apiVersion", "x3ui.io/v1alpha1"},
          {"kind", "VpnNode"},
          {"metadata", {{"name", name}, {"labels", {{"tier", "gold"}}}}},
          {"spec",
           {{"panel", {{"url", "https://panel.example.com/"}, {"credentialsSecretRef", {{"name", "creds"}}}}},
            {"publicHost", "vpn.example.com"},
            {"region", region},
            {"inbounds", {{{"name", "reality"}, {"id", 1}, {"protocol", "vless"}}}},
            {"capacity", {{"maxUsers", max_users}}}}}};
}

}  // namespace x3ui::kube::testing

#endif  // X3UI_TESTS_INTEGRATION_KUBE_KUBE_TEST_SUPPORT_H_
