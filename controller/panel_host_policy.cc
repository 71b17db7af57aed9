#include "controller/panel_host_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "pkg/api/reasons.h"

namespace x3ui::controller {
namespace {


std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// A URL's host as patterns see it: lower case, without IPv6 brackets or a trailing root dot.
std::string NormalHost(const std::string& host) {
  std::string h = Lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

// `*` matches any run of characters (dots included); everything else matches itself.
bool GlobMatches(const std::string& glob, const std::string& s) {
  size_t g = 0, i = 0, star = std::string::npos, resume = 0;
  while (i < s.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = i;
    } else if (g < glob.size() && glob[g] == s[i]) {
      ++g;
      ++i;
    } else if (star != std::string::npos) {
      g = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool InNetwork(const IpAddress& a, const HostPattern& p) {
  if (a.v4 != p.network.v4) return false;
  int bits = p.prefix_length + (a.v4 ? 96 : 0);  // IPv4 sits in the last 32 bits
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (p.network.bytes[i] & mask)) return false;
  }
  return true;
}

bool ValidGlob(const std::string& g) {
  if (g.empty()) return false;
  return std::all_of(g.begin(), g.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '*' || c == '_'; });
}

Result<HostPattern> ParseHostPattern(const std::string& text) {
  HostPattern p;
  p.text = text;
  if (text.find("://") != std::string::npos) {
    return Status::InvalidArgument("\"" + text + "\" is a URL; give only its host (panel.example.com)");
  }
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    std::optional<IpAddress> net = ParseIpAddress(text.substr(0, slash));
    const std::string len = text.substr(slash + 1);
    const int max = net && net->v4 ? 32 : 128;
    if (!net || len.empty() || len.size() > 3 || !std::all_of(len.begin(), len.end(), ::isdigit) || std::stoi(len) > max) {
      return Status::InvalidArgument("\"" + text + "\" is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
    }
    p.network = *net;
    p.prefix_length = std::stoi(len);
    return p;
  }
  if (std::optional<IpAddress> ip = ParseIpAddress(text)) {
    p.network = *ip;
    p.prefix_length = ip->v4 ? 32 : 128;
    return p;
  }
  p.glob = NormalHost(text);
  if (!ValidGlob(p.glob)) {
    return Status::InvalidArgument("\"" + text + "\" is neither a host glob (letters, digits, '-', '.', '*': "
                                   "*.example.com) nor an IP address or CIDR block (10.0.0.0/8)");
  }
  return p;
}

bool AnyMatches(const std::vector<HostPattern>& patterns, const std::string& host, const std::vector<IpAddress>& addresses,
                const HostPattern** matched) {
  for (const HostPattern& p : patterns) {
    if (HostPatternMatches(p, host, addresses)) {
      *matched = &p;
      return true;
    }
  }
  return false;
}

bool AnyCidr(const std::vector<HostPattern>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(), [](const HostPattern& p) { return p.is_cidr(); });
}

// True when every one of `addresses` (at least one) lies in some CIDR pattern of `patterns`.
bool AllInCidrs(const std::vector<HostPattern>& patterns, const std::vector<IpAddress>& addresses) {
  if (addresses.empty()) return false;
  return std::all_of(addresses.begin(), addresses.end(), [&](const IpAddress& a) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const HostPattern& p) { return p.is_cidr() && InNetwork(a, p); });
  });
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(const std::string& text) {
  std::string t = NormalHost(text);
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, t.c_str(), &v4) == 1) {
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    a.v4 = true;
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, t.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  // An IPv4-mapped IPv6 address reaches the IPv4 host: match it as that.
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  a.v4 = std::memcmp(a.bytes.data(), kMapped, 12) == 0;
  return a;
}

Result<std::vector<HostPattern>> ParseHostPatterns(const std::string& list) {
  std::vector<HostPattern> out;
  if (Trim(list).empty()) return out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string item = Trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) return Status::InvalidArgument("an empty pattern (two commas in a row, or a trailing comma)");
    Result<HostPattern> p = ParseHostPattern(item);
    if (!p.ok()) return p.status();
    out.push_back(std::move(p).value());
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool HostPatternMatches(const HostPattern& pattern, const std::string& host, const std::vector<IpAddress>& addresses) {
  if (!pattern.is_cidr()) return GlobMatches(pattern.glob, NormalHost(host));
  if (std::optional<IpAddress> ip = ParseIpAddress(host)) return InNetwork(*ip, pattern);
  return std::any_of(addresses.begin(), addresses.end(), [&](const IpAddress& a) { return InNetwork(a, pattern); });
}

PanelHostPolicy::PanelHostPolicy(std::vector<HostPattern> allow, std::vector<HostPattern> deny, Resolver resolve)
    : allow_(std::move(allow)), deny_(std::move(deny)), resolve_(resolve ? std::move(resolve) : Resolver(ResolveHost)) {}

Status PanelHostPolicy::Check(const std::string& host) const {
  if (allows_all()) return Status::Ok();
  const std::string shown = "panel host \"" + NormalHost(host) + "\" (spec.panel.url)";
  std::vector<IpAddress> addresses;
  const bool is_name = !ParseIpAddress(host);
  if (is_name && (AnyCidr(deny_) || AnyCidr(allow_))) {
    Result<std::vector<IpAddress>> resolved = resolve_ ? resolve_(NormalHost(host)) : ResolveHost(NormalHost(host));
    if (resolved.ok()) {
      addresses = std::move(resolved).value();
    } else if (AnyCidr(deny_)) {
      return Status::PermissionDenied(shown + " cannot be resolved to check it against --panel-host-deny: " +
                                      resolved.status().message())
          .WithReason(api::kReasonPanelHostRefused);
    }
  }
  const HostPattern* matched = nullptr;
  if (AnyMatches(deny_, host, addresses, &matched)) {
    return Status::PermissionDenied(shown + " is refused by --panel-host-deny pattern \"" + matched->text + "\"")
        .WithReason(api::kReasonPanelHostRefused);
  }
  if (allow_.empty()) return Status::Ok();
  const bool allowed = std::any_of(allow_.begin(), allow_.end(),
                                   [&](const HostPattern& p) { return !p.is_cidr() && HostPatternMatches(p, host, {}); }) ||
                       (is_name ? AllInCidrs(allow_, addresses) : AnyMatches(allow_, host, {}, &matched));
  if (allowed) return Status::Ok();
  return Status::PermissionDenied(shown + " matches no --panel-host-allow pattern" +
                                  (is_name && AnyCidr(allow_) ? " (a host name passes a CIDR only when all its addresses are in it)" : ""))
      .WithReason(api::kReasonPanelHostRefused);
}

Result<std::vector<IpAddress>> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0) {
    return Status::Unavailable(std::string("resolving ") + host + ": " + gai_strerror(rc));
  }
  std::vector<IpAddress> out;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* src = ai->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                                               : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) && inet_ntop(ai->ai_family, src, text, sizeof text)) {
      if (std::optional<IpAddress> a = ParseIpAddress(text)) out.push_back(*a);
    }
  }
  freeaddrinfo(res);
  if (out.empty()) return Status::Unavailable("resolving " + host + ": no IPv4 or IPv6 address");
  return out;
}

}  // namespace x3ui::controller
