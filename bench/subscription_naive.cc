// The subscription benchmark's baseline (bench/subscriptions.sh): the subscription handler and
// renderers of `x3ui-operator subscriptions`, but with no cache and no token index, as a
// straightforward server would be written: each request names the user (/sub/<name>~<token>)
// and reads its Secret, its VpnAssignment and its VpnNode from the kube-apiserver.
//
// Usage: subscription_naive KUBECONFIG NAMESPACE PORT   (runs until SIGINT/SIGTERM)
#include <csignal>
#include <iostream>

#include "pkg/common/clock.h"
#include "pkg/http/http_server.h"
#include "pkg/kube/config.h"
#include "pkg/kube/resource.h"
#include "pkg/kube/rest_client.h"
#include "pkg/subscription/catalog.h"
#include "pkg/subscription/handler.h"

int main(int argc, char** argv) {
  using namespace x3ui;
  if (argc != 4) {
    std::cerr << "usage: subscription_naive KUBECONFIG NAMESPACE PORT\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const std::string ns = argv[2];
  auto cfg = kube::LoadKubeconfig(argv[1]);
  if (cfg.ok()) {  // no client-side rate limit: the baseline is bounded by the API server only
    cfg->qps = 1e6;
    cfg->burst = 1000000;
  }
  RealClock clock;
  auto client = cfg.ok() ? kube::RestClient::New(*cfg, &clock) : Result<std::unique_ptr<kube::RestClient>>(cfg.status());
  if (!client.ok()) {
    std::cerr << client.status().ToString() << "\n";
    return 1;
  }
  kube::KubeClient* kube = client->get();
  const subscription::Lookup lookup = [&](const std::string& name_token) -> std::optional<subscription::UserView> {
    const size_t sep = name_token.find('~');
    if (sep == std::string::npos) return std::nullopt;
    const std::string name = name_token.substr(0, sep), token = name_token.substr(sep + 1);
    auto secret = kube->Get(kube::kSecrets, ns, name + "-vpn");
    if (!secret.ok()) return std::nullopt;
    auto entry = subscription::EntryOf(*secret);
    if (!entry || entry->token != token) return std::nullopt;
    auto a = kube->Get(kube::kVpnAssignments, ns, name);
    if (!a.ok()) return std::nullopt;
    const std::string node_name = (*a).value("status", kube::Json::object()).value("nodeName", "");
    auto node = kube->Get(kube::kVpnNodes, ns, node_name);
    return subscription::ViewOf(*a, node.ok() ? &*node : nullptr, *secret);
  };
  http::HttpServer server("127.0.0.1", std::stoi(argv[3]), [&](const http::Request& r) {
    return subscription::Respond(r, lookup, nullptr, {}, {}).response;
  });
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}
