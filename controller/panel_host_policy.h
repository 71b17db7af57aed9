// File: controller/panel_host_policy.h
//
// Which panel hosts the operator may contact (and send a panel's credentials to), from
// --panel-host-allow and --panel-host-deny. A VpnNode's spec.panel.url is written by whoever may
// create VpnNodes; without this policy the operator would log in to any host it names.
//
// A pattern is one of:
//   - an IP address or CIDR block (10.0.0.0/8, 192.0.2.7, fd00::/8): matches a host written as an
//     IP address in it, and a host name whose resolved addresses are in it (see Check);
//   - a host glob (panel-1.example.com, *.example.com, *): matches the host name, case-insensitively;
//     `*` stands for any run of characters, dots included, so *.example.com matches
//     a.example.com and a.b.example.com but not example.com.
// Deny wins over allow; an empty allow list allows every host that is not denied.
//
// The policy also says whether credentials may go over an insecure transport (plain http://,
// or TLS without certificate verification), as --refuse-insecure-panels sets it; the rule for
// what is insecure is transport_security.h's.
//
// Thread-safety: immutable after construction; Check may be called from any thread (the default
// resolver is getaddrinfo, which is thread-safe).
#ifndef X3UI_CONTROLLER_PANEL_HOST_POLICY_H_
#define X3UI_CONTROLLER_PANEL_HOST_POLICY_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pkg/common/status.h"

namespace x3ui::controller {

// An IP address, IPv4 held as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that both spellings match alike.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
};

// Parses "192.0.2.7", "::1" or "[::1]"; nullopt for anything else (host names included).
std::optional<IpAddress> ParseIpAddress(const std::string& text);

struct HostPattern {
  std::string text;           // as written, for messages and --help
  std::string glob;           // lower-case; empty for a CIDR pattern
  IpAddress network;          // a CIDR pattern's network
  int prefix_length = -1;     // -1: a glob; otherwise 0..32 (IPv4) or 0..128 (IPv6)

  bool is_cidr() const { return prefix_length >= 0; }
};

// Parses a comma-separated list of patterns (spaces around commas are ignored; an empty string is
// an empty list). InvalidArgument names the first bad pattern and says why.
Result<std::vector<HostPattern>> ParseHostPatterns(const std::string& list);

// True when `pattern` matches `host` (a name or an IP address, as in a URL) or one of its
// `addresses` (IP addresses the name resolves to; a CIDR pattern needs them for a name).
bool HostPatternMatches(const HostPattern& pattern, const std::string& host, const std::vector<IpAddress>& addresses);

class PanelHostPolicy {
 public:
  // A host name's IP addresses; an error when it cannot be resolved.
  using Resolver = std::function<Result<std::vector<IpAddress>>(const std::string& host)>;

  PanelHostPolicy() = default;  // allows every host
  // `resolve` defaults to the system resolver (getaddrinfo); tests inject their own.
  PanelHostPolicy(std::vector<HostPattern> allow, std::vector<HostPattern> deny, Resolver resolve = nullptr);

  // Ok when the operator may contact `host` (a URL's host: a name, an IPv4 address or a bracketed
  // IPv6 address). Otherwise PermissionDenied with reason PanelHostRefused and a message naming the
  // host and the flag that refuses it. A host name is resolved only when a CIDR pattern needs it:
  // it is denied when any of its addresses is in a denied block (or it cannot be resolved), and
  // allowed by a CIDR only when all of its addresses are in allowed blocks. The panel client
  // resolves the name again when it connects, so a DNS answer that changes in between (DNS
  // rebinding) is not caught here; list IP addresses or use NetworkPolicy egress rules for that.
  Status Check(const std::string& host) const;

  bool allows_all() const { return allow_.empty() && deny_.empty(); }

  // This policy, refusing (or not) panels reached over an insecure transport.
  PanelHostPolicy RefusingInsecureTransport(bool refuse) const {
    PanelHostPolicy p = *this;
    p.refuse_insecure_ = refuse;
    return p;
  }
  bool refuses_insecure_transport() const { return refuse_insecure_; }

 private:
  std::vector<HostPattern> allow_;
  std::vector<HostPattern> deny_;
  Resolver resolve_;
  bool refuse_insecure_ = false;
};

// The system resolver: every address getaddrinfo returns for `host`.
Result<std::vector<IpAddress>> ResolveHost(const std::string& host);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_PANEL_HOST_POLICY_H_
