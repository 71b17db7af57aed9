#include "controller/subscriptions_main.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "controller/subscriptions_options.h"
#include "pkg/common/clock.h"
#include "pkg/common/logging.h"
#include "pkg/kube/config.h"
#include "pkg/kube/rest_client.h"
#include "pkg/subscription/server.h"

namespace x3ui::controller {

int RunSubscriptions(const std::vector<std::string>& args) {
  Result<SubscriptionsOptions> parsed = ParseSubscriptionsOptions(args);
  if (!parsed.ok()) {
    std::cerr << "x3ui-operator subscriptions: " << parsed.status().message() << "\n";
    return 2;
  }
  const SubscriptionsOptions& f = *parsed;
  if (f.show_help) {
    std::cout << SubscriptionsUsage();
    return 0;
  }
  if (Status s = SetupLogging(f.log_level, f.log_format); !s.ok()) {
    std::cerr << "x3ui-operator subscriptions: " << s.message() << "\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts

  Result<kube::RestConfig> cfg = f.kubeconfig.empty() ? kube::InClusterConfig() : kube::LoadKubeconfig(f.kubeconfig);
  if (!cfg.ok()) {
    spdlog::error("cannot start: {}", cfg.status().message());
    return 1;
  }
  RealClock clock;
  auto client = kube::RestClient::New(*cfg, &clock);
  if (!client.ok()) {
    spdlog::error("cannot start: {}", client.status().message());
    return 1;
  }
  subscription::Server server(client->get(), f.server);
  if (Status s = server.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  spdlog::info("subscriptions: serving on {} (plain HTTP; terminate TLS in front)", f.server.listen_address);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: stopping", sig);
  server.Stop();
  return 0;
}

}  // namespace x3ui::controller
