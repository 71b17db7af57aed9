// The `singbox` body parsed back with nlohmann::json: the outbound types, tags and fields, and
// the groups over the servers in node order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pkg/subscription/render.h"
#include "tests/unit/subscription/fixture.h"

namespace x3ui::subscription {
namespace {

using nlohmann::json;

json Singbox(const UserView& u) { return json::parse(Render(u, Format::kSingbox, {}).body); }

TEST(SubscriptionSingboxTest, GroupsOverEveryServerInNodeOrder) {
  const json c = Singbox(testing::FixedUser());
  const json& out = c["outbounds"];
  ASSERT_EQ(out.size(), 7u);  // selector, urltest, four servers, direct
  const json servers = json::array({"node-a alice", "node-c vmess", "node-b", "node-d"});
  EXPECT_EQ(out[0]["type"], "selector");
  EXPECT_EQ(out[0]["tag"], "proxy");
  EXPECT_EQ(out[0]["default"], "auto");
  json choices = json::array({"auto"});
  choices.insert(choices.end(), servers.begin(), servers.end());
  EXPECT_EQ(out[0]["outbounds"], choices);
  EXPECT_EQ(out[1]["type"], "urltest");
  EXPECT_EQ(out[1]["tag"], "auto");
  EXPECT_EQ(out[1]["outbounds"], servers);
  EXPECT_TRUE(out[1]["url"].is_string());
  const char* const types[] = {"vless", "vmess", "trojan", "vless"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(out[2 + i]["tag"], servers[i]);
    EXPECT_EQ(out[2 + i]["type"], types[i]);
  }
  EXPECT_EQ(out[6]["type"], "direct");
  EXPECT_EQ(out[6]["tag"], "direct");
  EXPECT_EQ(c["route"]["final"], "proxy");
}

TEST(SubscriptionSingboxTest, OutboundFields) {
  const json c = Singbox(testing::FixedUser());
  const json& out = c["outbounds"];
  const json& reality = out[2];
  EXPECT_EQ(reality["server"], "node-a.example.com");
  EXPECT_EQ(reality["server_port"], 443);
  EXPECT_EQ(reality["uuid"], "3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f");
  EXPECT_EQ(reality["flow"], "xtls-rprx-vision");
  EXPECT_EQ(reality["tls"]["enabled"], true);
  EXPECT_EQ(reality["tls"]["server_name"], "www.example.org");
  EXPECT_EQ(reality["tls"]["utls"], json({{"enabled", true}, {"fingerprint", "chrome"}}));
  EXPECT_EQ(reality["tls"]["reality"], json({{"enabled", true}, {"public_key", "PUBKEY"}, {"short_id", "ab12"}}));
  EXPECT_FALSE(reality.contains("transport"));

  const json& vmess = out[3];
  EXPECT_EQ(vmess["uuid"], "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(vmess["alter_id"], 0);
  EXPECT_EQ(vmess["server_port"], 2053);
  EXPECT_EQ(vmess["transport"], json({{"type", "ws"}, {"path", "/vm"}, {"headers", {{"Host", "cdn-c.example"}}}}));
  EXPECT_FALSE(vmess["tls"].contains("reality"));

  const json& trojan = out[4];
  EXPECT_EQ(trojan["password"], "s3cret");
  EXPECT_FALSE(trojan.contains("uuid"));
  EXPECT_EQ(trojan["tls"]["server_name"], "cdn.example");
  EXPECT_FALSE(trojan["tls"].contains("utls"));  // the link names no fingerprint
  EXPECT_EQ(trojan["transport"]["path"], "/ws");
}

TEST(SubscriptionSingboxTest, NoServersLeavesASelectorOverDirect) {
  UserView u = testing::FixedUser();
  u.node_phase = "Unreachable";
  const json c = Singbox(u);
  const json& out = c["outbounds"];
  ASSERT_EQ(out.size(), 2u);  // sing-box refuses a urltest with nothing in it
  EXPECT_EQ(out[0]["type"], "selector");
  EXPECT_EQ(out[0]["outbounds"], json::array({"direct"}));
  EXPECT_EQ(out[0]["default"], "direct");
  EXPECT_EQ(out[1]["tag"], "direct");
}

}  // namespace
}  // namespace x3ui::subscription
