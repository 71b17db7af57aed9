#include "pkg/subscription/client_ip.h"

#include <vector>

#include "pkg/common/strings.h"

namespace x3ui::subscription {

std::string ClientIp(const http::Request& r, const TrustedProxy& trusted) {
  if (!trusted || !trusted(r.remote_ip)) return r.remote_ip;
  auto it = r.headers.find("x-forwarded-for");
  if (it == r.headers.end()) return r.remote_ip;
  std::string client = r.remote_ip;
  std::vector<std::string> hops = SplitOn(it->second, ',');
  for (std::string& h : hops) h = TrimBlanks(h);
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (hop->empty()) break;  // a malformed list: believe nothing further left
    client = *hop;
    if (!trusted(*hop)) break;
  }
  return client;
}

}  // namespace x3ui::subscription
