#include "controller/subscriptions_main.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <map>

#include "pkg/common/clock.h"
#include "pkg/common/logging.h"
#include "pkg/kube/config.h"
#include "pkg/kube/rest_client.h"
#include "pkg/subscription/server.h"

namespace x3ui::controller {
namespace {

std::vector<std::string> SplitComma(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    if (end > start) out.push_back(v.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct Flags {
  std::string kubeconfig, log_level = "info", log_format = "text";
  subscription::ServerConfig server;
};

Status Parse(const std::vector<std::string>& args, Flags* f) {
  for (const std::string& a : args) {
    const size_t eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) return Status::InvalidArgument("expected --flag=value, got " + a);
    const std::string k = a.substr(2, eq - 2), v = a.substr(eq + 1);
    try {
      if (k == "kubeconfig") f->kubeconfig = v;
      else if (k == "namespaces") f->server.namespaces = SplitComma(v);
      else if (k == "listen-address") f->server.listen_address = v;
      else if (k == "metrics-bind-address") f->server.metrics_bind_address = v;
      else if (k == "rate-per-second") f->server.rate_per_second = std::stod(v);
      else if (k == "rate-burst") f->server.rate_burst = std::stod(v);
      else if (k == "update-interval-hours") f->server.render.update_interval_hours = std::stoi(v);
      else if (k == "log-level") f->log_level = v;
      else if (k == "log-format") f->log_format = v;
      else return Status::InvalidArgument("unknown flag --" + k);
    } catch (const std::exception&) {
      return Status::InvalidArgument("--" + k + ": not a number: " + v);
    }
  }
  if (f->server.rate_per_second <= 0 || f->server.rate_burst < 1) return Status::InvalidArgument("--rate-per-second > 0 and --rate-burst >= 1");
  return Status::Ok();
}

}  // namespace

int RunSubscriptions(const std::vector<std::string>& args) {
  Flags f;
  if (Status s = Parse(args, &f); !s.ok()) {
    std::cerr << "x3ui-operator subscriptions: " << s.message() << "\n";
    return 2;
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
