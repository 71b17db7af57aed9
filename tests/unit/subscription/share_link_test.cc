#include "pkg/subscription/share_link.h"

#include <gtest/gtest.h>

#include "pkg/common/base64.h"
#include "tests/unit/subscription/fixture.h"

namespace x3ui::subscription {
namespace {

using testing::kTrojanWs;
using testing::kVlessReality;

std::string Vmess(const std::string& json) { return "vmess://" + Base64Encode(json); }

TEST(ShareLinkTest, RejectsWhatNoFormatMaps) {
  const std::string cases[] = {
      "ss://YWVzLTI1Ni1nY206cGFzcw@host:8388#ss",  // shadowsocks: no structured format maps it yet
      "vless://noat:443",
      "vless://id@host:notaport",
      "vless://id@host:70000",
      "vless://@host:443",
      "no scheme",
      "vmess://not base64!",
      "vmess://" + Base64Encode("[1,2]"),
      Vmess(R"({"add":"h","port":"443"})"),            // no id
      Vmess(R"({"add":"h","port":"x","id":"u"})"),     // bad port
  };
  for (const std::string& link : cases) {
    SCOPED_TRACE(link);
    EXPECT_FALSE(ParseShareLink(link));
  }
}

TEST(ShareLinkTest, UrlStyleLinks) {
  auto v = ParseShareLink(kVlessReality);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->scheme, "vless");
  EXPECT_EQ(v->name, "node-a alice");
  EXPECT_EQ(v->id, "3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f");
  EXPECT_EQ(v->host, "node-a.example.com");
  EXPECT_EQ(v->port, 443);
  EXPECT_EQ(v->security, "reality");
  EXPECT_EQ(v->public_key, "PUBKEY");
  EXPECT_EQ(v->short_id, "ab12");
  EXPECT_EQ(v->flow, "xtls-rprx-vision");
  auto t = ParseShareLink(kTrojanWs);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/ws");
  EXPECT_EQ(t->ws_host, "cdn.example");
  auto v6 = ParseShareLink("vless://id@[2001:db8::1]:443?type=grpc&serviceName=svc");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->name, "2001:db8::1:443");
  EXPECT_EQ(v6->security, "none");
  EXPECT_EQ(v6->service_name, "svc");
  EXPECT_EQ(ParseShareLink("trojan://pw@h:443")->security, "tls");  // trojan means TLS
}

TEST(ShareLinkTest, VmessTable) {
  struct Case {
    const char* name;
    std::string link;
    int port, alter_id;
    std::string network, security, path, service_name;
  };
  const std::string full = R"({"v":"2","ps":"c","add":"h.example","port":"2053","id":"u","aid":"4","net":"ws",)"
                           R"("host":"cdn","path":"/vm","tls":"tls","sni":"s","fp":"chrome"})";
  std::string unpadded = Vmess(R"({"add":"h","port":443,"id":"u","ps":"x"})");
  while (unpadded.back() == '=') unpadded.pop_back();
  std::string url_safe = Base64Encode(R"({"add":"h","port":443,"id":"u","ps":"??>"})");  // has '/' and '+'
  for (char& c : url_safe) c = c == '/' ? '_' : c == '+' ? '-' : c;
  url_safe = "vmess://" + url_safe;
  const Case cases[] = {
      {"v2rayN strings", Vmess(full), 2053, 4, "ws", "tls", "/vm", ""},
      {"numbers", Vmess(R"({"add":"h","port":443,"id":"u","aid":0,"net":"tcp","tls":""})"), 443, 0, "tcp", "none", "", ""},
      {"grpc keeps the service name in path", Vmess(R"({"add":"h","port":1,"id":"u","net":"grpc","path":"svc"})"), 1, 0,
       "grpc", "none", "", "svc"},
      {"unpadded", unpadded, 443, 0, "", "none", "", ""},
      {"url-safe alphabet", url_safe, 443, 0, "", "none", "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto l = ParseShareLink(c.link);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->scheme, "vmess");
    EXPECT_EQ(l->id, "u");
    EXPECT_EQ(l->port, c.port);
    EXPECT_EQ(l->alter_id, c.alter_id);
    EXPECT_EQ(l->network, c.network);
    EXPECT_EQ(l->security, c.security);
    EXPECT_EQ(l->path, c.path);
    EXPECT_EQ(l->service_name, c.service_name);
  }
  auto l = ParseShareLink(Vmess(full));
  EXPECT_EQ(l->name, "c");
  EXPECT_EQ(l->host, "h.example");
  EXPECT_EQ(l->ws_host, "cdn");
  EXPECT_EQ(l->sni, "s");
  EXPECT_EQ(l->fingerprint, "chrome");
}

TEST(ShareLinkTest, ParseShareLinksKeepsOrderDropsTheUnmappedAndMakesNamesUnique) {
  const auto links = ParseShareLinks({"vless://a@h:1#same", "ss://x", "trojan://b@h:2#same", "vless://c@h:3#same"});
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].name, "same");
  EXPECT_EQ(links[1].name, "same 2");
  EXPECT_EQ(links[2].name, "same 3");
  EXPECT_EQ(links[1].scheme, "trojan");
}

}  // namespace
}  // namespace x3ui::subscription
