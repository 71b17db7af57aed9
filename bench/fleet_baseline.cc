// The baseline of the fleet benchmark (bench/fleet.sh, issue 8): how users are created without
// the operator — for each user in sequence, log in to its panel and add its one client. Against
// the same x3ui-sim panels, so the comparison is like for like.
//
// Usage: fleet_baseline USERS PANEL_URL [PANEL_URL...]   (credentials admin/admin, inbound 1)
// Prints one JSON line: {"users": N, "seconds": S, "failures": F}.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "pkg/common/clock.h"
#include "pkg/x3ui/panel_client.h"
#include "pkg/x3ui/http_transport.h"

int main(int argc, char** argv) {
  using namespace x3ui;
  if (argc < 3) {
    std::fprintf(stderr, "usage: fleet_baseline USERS PANEL_URL [PANEL_URL...]\n");
    return 2;
  }
  const int users = std::stoi(argv[1]);
  std::vector<std::string> urls(argv + 2, argv + argc);
  RealClock clock;
  int failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < users; ++i) {
    const std::string& url = urls[static_cast<size_t>(i) % urls.size()];
    panel::TransportOptions t;
    t.base_url = url;
    auto transport = panel::NewCppRestTransport(t);
    if (!transport.ok()) return 1;
    panel::PanelClient client(panel::PanelOptions{url, {"admin", "admin", ""}}, std::move(transport).value(), &clock);
    panel::Inbound inbound;
    inbound.id = 1;
    inbound.protocol = "vless";
    panel::Client c;
    c.email = "baseline-" + std::to_string(i);
    char uuid[37];
    std::snprintf(uuid, sizeof uuid, "7c9e6679-7425-40de-944b-%012d", i);
    c.id = uuid;
    c.sub_id = "baseline" + std::to_string(i);
    if (!client.Connect().ok() || !client.AddClients(inbound, {c}).ok()) ++failures;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"users\": %d, \"seconds\": %.3f, \"failures\": %d}\n", users, seconds, failures);
  return failures == 0 ? 0 : 1;
}
