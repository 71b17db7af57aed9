#include "pkg/x3ui/links.h"

#include <gtest/gtest.h>

#include "pkg/api/json.h"
#include "pkg/common/url.h"
#include "pkg/x3ui/replies.h"
#include "tests/unit/x3ui/fixtures.h"

namespace x3ui::panel {
namespace {

std::vector<Inbound> F4() {
  Result<Envelope> e = ParseEnvelope(testing::Fixture("f4_list.json"));
  Result<std::vector<Inbound>> list = ParseInboundList(e->obj);
  EXPECT_TRUE(list.ok());
  return *list;
}

TEST(LinksTest, F10VlessRealityForAlice) {
  auto in = F4();
  Result<std::string> link = ShareLink(in[0], in[0].clients[0], "vpn1.example.com");
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  // F10 with the panel's random spiderX suffix replaced by the configured "/": links are stable.
  std::string f10 = testing::Fixture("f10_link.txt");
  f10.erase(f10.find_last_not_of('\n') + 1);
  f10.replace(f10.find("spx=%2FkQ3vX9bN2mT7rLp"), 22, "spx=%2F");
  EXPECT_EQ(*link, f10);
}

TEST(LinksTest, TrojanWsTls) {
  auto in = F4();
  Result<std::string> link = ShareLink(in[1], in[1].clients[0], "vpn1.example.com");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link,
            "trojan://Xr9vQ2mT7k@vpn1.example.com:8443?path=%2Ftj&security=tls&sni=vpn1.example.com&type=ws"
            "#fra-trojan-ws-carol");
}

TEST(LinksTest, VmessIsBase64OfIndentedSortedJson) {
  auto in = F4();
  Inbound vmess = in[1];
  vmess.protocol = "vmess";
  Client c;
  c.id = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
  c.email = "bob";
  Result<std::string> link = ShareLink(vmess, c, "vpn1.example.com");
  ASSERT_TRUE(link.ok());
  ASSERT_EQ(link->rfind("vmess://", 0), 0u);
  Json want = {{"v", "2"},      {"ps", "fra-trojan-ws-bob"}, {"add", "vpn1.example.com"}, {"port", 8443},
               {"id", c.id},    {"scy", "auto"},             {"net", "ws"},               {"type", "none"},
               {"tls", "tls"},  {"path", "/tj"},             {"sni", "vpn1.example.com"}};
  EXPECT_EQ(link->substr(8), Base64(want.dump(2)));
}

TEST(LinksTest, ShadowsocksAndSpecificListenAddress) {
  Inbound ss;
  ss.protocol = "shadowsocks";
  ss.port = 8388;
  ss.remark = "ss";
  ss.listen = "203.0.113.7";
  ss.settings = {{"method", "aes-256-gcm"}};
  Client c;
  c.email = "erin";
  c.password = "secret";
  Result<std::string> link = ShareLink(ss, c, "ignored.example.com");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link, "ss://" + Base64("aes-256-gcm:secret") + "@203.0.113.7:8388?security=none&type=tcp#ss-erin");
  ss.settings = {{"method", "2022-blake3-aes-128-gcm"}, {"password", "server"}};
  EXPECT_EQ(ShareLink(ss, c, "h")->substr(5, Base64("2022-blake3-aes-128-gcm:server:secret").size()),
            Base64("2022-blake3-aes-128-gcm:server:secret"));
}

TEST(LinksTest, UnsupportedProtocolIsAnError) {
  Inbound w;
  w.protocol = "wireguard";
  EXPECT_EQ(ShareLink(w, Client{}, "h").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(EndpointOf(w, "h").status().code(), Status::Code::kInvalidArgument);
}

// The subscription server builds links from the published endpoint: the same link as from the
// inbound itself, for every protocol of the fixtures, after a round trip through the status JSON.
TEST(LinksTest, EndpointLinkEqualsInboundLink) {
  auto in = F4();
  Inbound vmess = in[1];
  vmess.protocol = "vmess";
  Client v;
  v.id = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
  v.email = "bob";
  v.security = "auto";
  Inbound ss;
  ss.protocol = "shadowsocks";
  ss.port = 8388;
  ss.listen = "2001:db8::7";
  ss.settings = {{"method", "aes-256-gcm"}};
  Client s;
  s.email = "erin";
  s.password = "secret";
  const std::vector<std::pair<Inbound, Client>> cases = {
      {in[0], in[0].clients[0]}, {in[1], in[1].clients[0]}, {vmess, v}, {ss, s}};
  for (const auto& [inbound, client] : cases) {
    Result<api::InboundEndpoint> e = EndpointOf(inbound, "vpn1.example.com");
    ASSERT_TRUE(e.ok()) << inbound.protocol << ": " << e.status().ToString();
    EXPECT_TRUE(e->params.count("type") && e->params.count("security")) << inbound.protocol;
    api::VpnNode node;
    node.status.inbounds = {*e};
    Result<api::VpnNode> back = api::DecodeVpnNode(api::Encode(node));
    ASSERT_TRUE(back.ok() && back->status.inbounds.size() == 1) << back.status().ToString();
    EXPECT_EQ(back->status.inbounds[0], *e);
    EXPECT_EQ(*ShareLink(back->status.inbounds[0], client), *ShareLink(inbound, client, "vpn1.example.com"))
        << inbound.protocol;
  }
}

TEST(LinksTest, Shadowsocks2022EndpointIsNotPublished) {
  Inbound ss;
  ss.protocol = "shadowsocks";
  ss.port = 8388;
  ss.settings = {{"method", "2022-blake3-aes-128-gcm"}, {"password", "server-key"}};
  Result<api::InboundEndpoint> e = EndpointOf(ss, "h");
  EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(e.status().message().find("server-key"), std::string::npos);
  api::InboundEndpoint forged{.name = "ss", .protocol = "shadowsocks", .address = "h", .port = 1, .method = "2022-blake3-aes-128-gcm"};
  EXPECT_FALSE(ShareLink(forged, Client{}).ok());
}

TEST(LinksTest, EncodingHelpers) {
  EXPECT_EQ(QueryEscape("a b/c?=&~"), "a+b%2Fc%3F%3D%26~");
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
}

}  // namespace
}  // namespace x3ui::panel
