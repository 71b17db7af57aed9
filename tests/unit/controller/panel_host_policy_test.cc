// The panel host patterns of --panel-host-allow / --panel-host-deny: parsing, matching, and the
// policy's verdicts (deny wins, an empty allow list allows all, names resolved for CIDRs only).
#include "controller/panel_host_policy.h"

#include <map>

#include <gtest/gtest.h>

namespace x3ui::controller {
namespace {

IpAddress Ip(const std::string& text) { return *ParseIpAddress(text); }

TEST(PanelEndpointHostPatternTest, ParsesListsAndRefusesBadPatterns) {
  struct Case {
    std::string list;
    size_t count;        // patterns parsed, when ok
    std::string error;   // a part of the error, when not
  };
  const std::vector<Case> cases = {
      {"", 0, ""},
      {"  ", 0, ""},
      {"*.example.com", 1, ""},
      {"*.example.com, 10.0.0.0/8 ,panel-1.example.net", 3, ""},
      {"192.0.2.7,fd00::/8,::1,[::1]", 4, ""},
      {"0.0.0.0/0,::/0", 2, ""},
      {"a,,b", 0, "empty pattern"},
      {"a,", 0, "empty pattern"},
      {"10.0.0.0/33", 0, "\"10.0.0.0/33\" is not a CIDR block"},
      {"fd00::/129", 0, "not a CIDR block"},
      {"10.0.0.0/", 0, "not a CIDR block"},
      {"10.0.0.0/x", 0, "not a CIDR block"},
      {"example.com/8", 0, "not a CIDR block"},
      {"panel.example.com:8443", 0, "\"panel.example.com:8443\" is neither a host glob"},
      {"http://panel.example.com", 0, "\"http://panel.example.com\" is a URL; give only its host"},
      {"pa nel", 0, "neither a host glob"},
  };
  for (const auto& c : cases) {
    auto got = ParseHostPatterns(c.list);
    if (c.error.empty()) {
      ASSERT_TRUE(got.ok()) << c.list << ": " << got.status().message();
      EXPECT_EQ(got->size(), c.count) << c.list;
    } else {
      ASSERT_FALSE(got.ok()) << c.list;
      EXPECT_NE(got.status().message().find(c.error), std::string::npos) << c.list << ": " << got.status().message();
    }
  }
}

TEST(PanelEndpointHostPatternTest, MatchesHostsAndAddresses) {
  struct Case {
    std::string pattern, host;
    std::vector<std::string> addresses;  // what the host name resolves to
    bool match;
  };
  const std::vector<Case> cases = {
      {"*.example.com", "a.example.com", {}, true},
      {"*.example.com", "a.b.example.com", {}, true},
      {"*.example.com", "A.Example.COM.", {}, true},       // case and the root dot do not matter
      {"*.example.com", "example.com", {}, false},
      {"*.example.com", "a.example.com.evil.net", {}, false},
      {"*.example.com", "aexample.com", {}, false},
      {"panel-*.example.com", "panel-7.example.com", {}, true},
      {"panel-*.example.com", "db.example.com", {}, false},
      {"panel.example.com", "panel.example.com", {}, true},
      {"panel.example.com", "xpanel.example.com", {}, false},
      {"*", "anything.at.all", {}, true},
      {"*", "10.1.2.3", {}, true},
      {"10.0.0.0/8", "10.1.2.3", {}, true},
      {"10.0.0.0/8", "11.1.2.3", {}, false},
      {"10.0.0.0/8", "::ffff:10.1.2.3", {}, true},          // IPv4-mapped IPv6 is the IPv4 host
      {"10.0.0.0/8", "[::ffff:10.1.2.3]", {}, true},
      {"10.0.0.0/8", "panel.example.com", {"10.9.9.9"}, true},
      {"10.0.0.0/8", "panel.example.com", {"192.0.2.1"}, false},
      {"10.0.0.0/8", "panel.example.com", {"192.0.2.1", "10.0.0.1"}, true},
      {"10.0.0.0/8", "panel.example.com", {}, false},
      {"192.0.2.7", "192.0.2.7", {}, true},
      {"192.0.2.7", "192.0.2.8", {}, false},
      {"169.254.0.0/16", "169.254.169.254", {}, true},
      {"0.0.0.0/0", "203.0.113.9", {}, true},
      {"0.0.0.0/0", "[2001:db8::1]", {}, false},             // an IPv4 block holds no IPv6 address
      {"fd00::/8", "[fd12:3456::1]", {}, true},
      {"fd00::/8", "[fe80::1]", {}, false},
      {"::1", "[::1]", {}, true},
      {"10.0.0.0/9", "10.127.255.255", {}, true},
      {"10.0.0.0/9", "10.128.0.0", {}, false},
  };
  for (const auto& c : cases) {
    auto patterns = ParseHostPatterns(c.pattern);
    ASSERT_TRUE(patterns.ok()) << c.pattern;
    std::vector<IpAddress> addresses;
    for (const auto& a : c.addresses) addresses.push_back(Ip(a));
    EXPECT_EQ(HostPatternMatches(patterns->at(0), c.host, addresses), c.match) << c.pattern << " vs " << c.host;
  }
}

TEST(PanelEndpointHostPolicyTest, DenyWinsAndEmptyAllowAllowsAll) {
  const std::map<std::string, std::vector<std::string>> dns = {
      {"panel.example.com", {"203.0.113.10"}},
      {"sneaky.example.com", {"169.254.169.254"}},   // a name for the cloud metadata address
      {"mixed.example.com", {"10.0.0.5", "203.0.113.11"}},
      {"inside.example.net", {"10.0.0.6"}},
  };
  auto resolve = [&dns](const std::string& host) -> Result<std::vector<IpAddress>> {
    auto it = dns.find(host);
    if (it == dns.end()) return Status::Unavailable("no such host " + host);
    std::vector<IpAddress> out;
    for (const auto& a : it->second) out.push_back(Ip(a));
    return out;
  };
  struct Case {
    std::string allow, deny, host;
    bool allowed;
    std::string message;  // a part of the refusal
  };
  const std::vector<Case> cases = {
      {"", "", "anything.example.org", true, ""},
      {"", "169.254.0.0/16", "panel.example.com", true, ""},
      {"", "169.254.0.0/16", "169.254.169.254", false, "refused by --panel-host-deny pattern \"169.254.0.0/16\""},
      {"", "169.254.0.0/16", "sneaky.example.com", false, "--panel-host-deny pattern \"169.254.0.0/16\""},
      {"", "169.254.0.0/16", "unknown.example.com", false, "cannot be resolved"},
      {"", "*.internal", "db.internal", false, "--panel-host-deny pattern \"*.internal\""},
      {"", "*.internal", "unknown.example.com", true, ""},   // no CIDR: no need to resolve
      {"*.example.com", "", "panel.example.com", true, ""},
      {"*.example.com", "", "panel.example.net", false, "matches no --panel-host-allow pattern"},
      {"*.example.com", "", "203.0.113.10", false, "matches no --panel-host-allow pattern"},
      {"*.example.com", "bad.example.com", "bad.example.com", false, "--panel-host-deny"},
      {"*.example.com", "10.0.0.0/8", "mixed.example.com", false, "--panel-host-deny pattern \"10.0.0.0/8\""},
      {"10.0.0.0/8", "", "10.1.2.3", true, ""},
      {"10.0.0.0/8", "", "inside.example.net", true, ""},
      {"10.0.0.0/8", "", "mixed.example.com", false, "all its addresses"},
      {"10.0.0.0/8", "", "unknown.example.com", false, "matches no --panel-host-allow pattern"},
      {"10.0.0.0/8", "10.0.0.0/24", "10.0.0.9", false, "--panel-host-deny"},
      {"10.0.0.0/8", "10.0.0.0/24", "10.0.1.9", true, ""},
  };
  for (const auto& c : cases) {
    PanelHostPolicy policy(*ParseHostPatterns(c.allow), *ParseHostPatterns(c.deny), resolve);
    Status s = policy.Check(c.host);
    EXPECT_EQ(s.ok(), c.allowed) << "allow=" << c.allow << " deny=" << c.deny << " host=" << c.host << ": " << s.message();
    if (!c.allowed) {
      EXPECT_EQ(s.reason(), "PanelHostRefused");
      EXPECT_EQ(s.code(), Status::Code::kPermissionDenied);
      EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(c.host), std::string::npos) << "names the host: " << s.message();
    }
  }
}

TEST(PanelEndpointHostPolicyTest, DefaultPolicyAllowsEveryHost) {
  PanelHostPolicy policy;
  EXPECT_TRUE(policy.allows_all());
  EXPECT_TRUE(policy.Check("169.254.169.254").ok());
}

}  // namespace
}  // namespace x3ui::controller
