#include "pkg/subscription/client_ip.h"

#include <vector>

namespace x3ui::subscription {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> Hops(const std::string& header) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    out.push_back(Trim(header.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string ClientIp(const http::Request& r, const TrustedProxy& trusted) {
  if (!trusted || !trusted(r.remote_ip)) return r.remote_ip;
  auto it = r.headers.find("x-forwarded-for");
  if (it == r.headers.end()) return r.remote_ip;
  std::string client = r.remote_ip;
  const std::vector<std::string> hops = Hops(it->second);
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (hop->empty()) break;  // a malformed list: believe nothing further left
    client = *hop;
    if (!trusted(*hop)) break;
  }
  return client;
}

}  // namespace x3ui::subscription
