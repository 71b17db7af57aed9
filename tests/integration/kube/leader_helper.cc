// A leader-election candidate process for leader_election_test: runs LeaderElector against the
// control plane and prints "LEADING <id>", "STOPPED <id>" (its work ended on SIGTERM, before the
// lease is released) and "LOST <id>" (renew deadline passed) lines.
// Usage: leader_helper KUBECONFIG NAMESPACE LEASE IDENTITY
#include <csignal>
#include <iostream>
#include <thread>

#include "pkg/kube/config.h"
#include "pkg/kube/leader_election.h"
#include "pkg/kube/rest_client.h"

namespace {
std::atomic<bool> g_stop{false};
}

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  std::signal(SIGTERM, [](int) { g_stop = true; });
  x3ui::RealClock clock;
  auto cfg = x3ui::kube::LoadKubeconfig(argv[1]);
  if (!cfg.ok()) return 1;
  auto client = x3ui::kube::RestClient::New(*cfg, &clock);
  if (!client.ok()) return 1;
  x3ui::kube::LeaderElectionConfig c{argv[2], argv[3], argv[4], std::chrono::milliseconds(3000),
                                     std::chrono::milliseconds(2000), std::chrono::milliseconds(400)};
  auto elector = x3ui::kube::LeaderElector::New(client->get(), c, &clock);
  if (!elector.ok()) return 1;
  std::string id = argv[4];
  bool released = (*elector)->Run(
      [&] {
        std::cout << "LEADING " << id << std::endl;
        while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::cout << "STOPPED " << id << std::endl;
      },
      [&] { std::cout << "LOST " << id << std::endl; }, &g_stop);
  if (!released) return 1;
  return 0;
}
