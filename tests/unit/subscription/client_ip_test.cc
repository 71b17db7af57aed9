// Which address a request is rate-limited as: X-Forwarded-For is believed only from a trusted
// proxy, read from its right end, and a forged left part never wins.
#include "pkg/subscription/client_ip.h"

#include <gtest/gtest.h>

namespace x3ui::subscription {
namespace {

TEST(ClientIpTest, Table) {
  const TrustedProxy ingress = [](const std::string& ip) { return ip.rfind("10.0.", 0) == 0; };
  struct Case {
    const char* name;
    std::string remote, forwarded;  // forwarded "-": no header
    TrustedProxy trusted;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"no trusted proxies: the connection", "10.0.0.5", "198.51.100.7", nullptr, "10.0.0.5"},
      {"an untrusted peer's header is ignored", "203.0.113.9", "198.51.100.7", ingress, "203.0.113.9"},
      {"a trusted proxy without the header", "10.0.0.5", "-", ingress, "10.0.0.5"},
      {"a trusted proxy names the client", "10.0.0.5", "198.51.100.7", ingress, "198.51.100.7"},
      {"a forged left part is not believed", "10.0.0.5", "192.0.2.1, 198.51.100.7", ingress, "198.51.100.7"},
      {"trusted hops are skipped from the right", "10.0.0.5", "198.51.100.7, 10.0.1.2", ingress, "198.51.100.7"},
      {"every hop trusted: the left-most", "10.0.0.5", "10.0.3.3, 10.0.1.2", ingress, "10.0.3.3"},
      {"spaces are trimmed", "10.0.0.5", "  198.51.100.7  ", ingress, "198.51.100.7"},
      {"an empty hop stops the walk", "10.0.0.5", "192.0.2.1,,10.0.1.2", ingress, "10.0.1.2"},
      {"an empty header: the connection", "10.0.0.5", "", ingress, "10.0.0.5"},
  };
  for (const Case& c : cases) {
    http::Request r;
    r.remote_ip = c.remote;
    if (c.forwarded != "-") r.headers["x-forwarded-for"] = c.forwarded;
    EXPECT_EQ(ClientIp(r, c.trusted), c.want) << c.name;
  }
}

}  // namespace
}  // namespace x3ui::subscription
