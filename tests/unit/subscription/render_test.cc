#include "pkg/subscription/render.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "pkg/common/base64.h"
#include "tests/unit/subscription/fixture.h"

namespace x3ui::subscription {
namespace {

constexpr const char* kVless = testing::kVlessReality;
constexpr const char* kTrojan = testing::kTrojanWs;

using testing::Header;

// The fixed user with two links, a vless and a trojan one.
UserView Alice() {
  UserView u = testing::FixedUser();
  u.links = {kVless, kTrojan};
  return u;
}

TEST(SubscriptionHealthTest, Table) {
  struct Case {
    const char* name;
    bool enabled;
    std::string node, node_phase;
    bool served;
  };
  const Case cases[] = {
      {"ready", true, "node-a", "Ready", true},
      {"degraded still served", true, "node-a", "Degraded", true},
      {"node not cached yet", true, "node-a", "", true},
      {"unreachable", true, "node-a", "Unreachable", false},
      {"disabled", false, "node-a", "Ready", false},
      {"not placed", true, "", "", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    UserView u = Alice();
    u.enabled = c.enabled;
    u.node = c.node;
    u.node_phase = c.node_phase;
    const Served s = HealthFilter(u);
    EXPECT_EQ(s.links.empty(), !c.served);
    EXPECT_EQ(s.reason.empty(), c.served);
  }
}

TEST(SubscriptionRenderTest, Base64IsTheNewlineJoinedLinks) {
  const Rendered r = Render(Alice(), Format::kBase64, {});
  EXPECT_EQ(Base64Decode(r.body).value_or(""), std::string(kVless) + "\n" + kTrojan + "\n");
  EXPECT_EQ(Header(r, "subscription-userinfo"), "upload=0; download=0; total=1073741824; expire=1767225600");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(r, "profile-title"), "base64:" + Base64Encode("alice"));
  EXPECT_EQ(Header(r, "profile-update-interval"), "12");
  EXPECT_EQ(Header(r, "announce"), "");
  EXPECT_EQ(Header(r, "ETag"), ETagOf(r.body));
}

TEST(SubscriptionRenderTest, ClashParsesBackWithAFallbackGroupInNodeOrder) {
  const Rendered r = Render(Alice(), Format::kClash, {});
  const YAML::Node y = YAML::Load(r.body);
  ASSERT_EQ(y["proxies"].size(), 2u);
  const YAML::Node a = y["proxies"][0];
  EXPECT_EQ(a["type"].as<std::string>(), "vless");
  EXPECT_EQ(a["server"].as<std::string>(), "node-a.example.com");
  EXPECT_EQ(a["port"].as<int>(), 443);
  EXPECT_EQ(a["uuid"].as<std::string>(), "3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f");
  EXPECT_EQ(a["name"].as<std::string>(), "node-a alice");
  EXPECT_EQ(a["reality-opts"]["public-key"].as<std::string>(), "PUBKEY");
  EXPECT_EQ(a["servername"].as<std::string>(), "www.example.org");
  const YAML::Node b = y["proxies"][1];
  EXPECT_EQ(b["type"].as<std::string>(), "trojan");
  EXPECT_EQ(b["password"].as<std::string>(), "s3cret");
  EXPECT_EQ(b["ws-opts"]["path"].as<std::string>(), "/ws");
  EXPECT_EQ(b["ws-opts"]["headers"]["Host"].as<std::string>(), "cdn.example");
  const YAML::Node g = y["proxy-groups"][0];
  EXPECT_EQ(g["type"].as<std::string>(), "fallback");
  ASSERT_EQ(g["proxies"].size(), 2u);
  EXPECT_EQ(g["proxies"][0].as<std::string>(), "node-a alice");
  EXPECT_EQ(g["proxies"][1].as<std::string>(), "node-b");
}

TEST(SubscriptionRenderTest, AnUnreachableNodeGivesAnEmptyListAndTheReason) {
  UserView u = Alice();
  u.node_phase = "Unreachable";
  const Rendered b64 = Render(u, Format::kBase64, {});
  EXPECT_EQ(Base64Decode(b64.body).value_or("?"), "");
  EXPECT_NE(Header(b64, "announce"), "");
  EXPECT_NE(Header(b64, "profile-title"), "base64:" + Base64Encode("alice"));
  const YAML::Node y = YAML::Load(Render(u, Format::kClash, {}).body);
  EXPECT_EQ(y["proxies"].size(), 0u);
  EXPECT_EQ(y["proxy-groups"][0]["proxies"][0].as<std::string>(), "DIRECT");
}

TEST(SubscriptionRenderTest, InfoIsJson) {
  UserView u = Alice();
  u.enabled = false;
  const nlohmann::json j = nlohmann::json::parse(Render(u, Format::kInfo, {}).body);
  EXPECT_EQ(j["user"], "alice");
  EXPECT_EQ(j["enabled"], false);
  EXPECT_EQ(j["node"], "node-a");
  EXPECT_EQ(j["limits"]["totalBytes"], 1073741824);
  EXPECT_EQ(j["expiry"], 1767225600);
  EXPECT_TRUE(j["links"].empty());
  EXPECT_TRUE(j.contains("reason"));
}

// A link named by a panel's remark that is not UTF-8 (found by the fuzzer): the info body is
// still JSON, the bad bytes replaced, instead of an exception and a 500.
TEST(SubscriptionRenderTest, InfoOfALinkThatIsNotUtf8IsStillJson) {
  UserView u = Alice();
  u.links = {"vless://id@h:1#bad\x88name"};
  const Rendered r = Render(u, Format::kInfo, {});
  const nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["links"][0], "vless://id@h:1#bad\xEF\xBF\xBDname");
}

// The same for the other JSON bodies, where the bad bytes are a proxy's tag or remarks.
TEST(SubscriptionRenderTest, EveryJsonBodyOfANameThatIsNotUtf8IsStillJson) {
  UserView u = Alice();
  u.links = {"vless://id@h:1#bad\x88name"};
  for (Format f : {Format::kSingbox, Format::kXray, Format::kInfo}) {
    SCOPED_TRACE(FormatName(f));
    EXPECT_FALSE(nlohmann::json::parse(Render(u, f, {}).body, nullptr, false).is_discarded());
  }
}

// Found by the fuzzer: a name is put in content-disposition only as characters that can neither
// split the header nor close its quotes.
TEST(SubscriptionRenderTest, TheFileNameCannotSplitOrCloseTheHeader) {
  UserView u = Alice();
  u.name = std::string("a\"b\r\nSet-Cookie: x=1\0c", 22);
  EXPECT_EQ(Header(Render(u, Format::kBase64, {}), "content-disposition"), "attachment; filename=\"a_b__Set-Cookie__x_1_c\"");
}

TEST(SubscriptionRenderTest, ClashMapsVmessAndEveryFormatListsTheSameServers) {
  const UserView u = testing::FixedUser();
  const YAML::Node y = YAML::Load(Render(u, Format::kClash, {}).body);
  ASSERT_EQ(y["proxies"].size(), 4u);
  const YAML::Node c = y["proxies"][1];
  EXPECT_EQ(c["type"].as<std::string>(), "vmess");
  EXPECT_EQ(c["name"].as<std::string>(), "node-c vmess");
  EXPECT_EQ(c["server"].as<std::string>(), "node-c.example.com");
  EXPECT_EQ(c["port"].as<int>(), 2053);
  EXPECT_EQ(c["uuid"].as<std::string>(), "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(c["alterId"].as<int>(), 0);
  EXPECT_EQ(c["cipher"].as<std::string>(), "auto");
  EXPECT_EQ(c["tls"].as<bool>(), true);
  EXPECT_EQ(c["servername"].as<std::string>(), "cdn-c.example");
  EXPECT_EQ(c["network"].as<std::string>(), "ws");
  EXPECT_EQ(c["ws-opts"]["path"].as<std::string>(), "/vm");
  EXPECT_EQ(c["ws-opts"]["headers"]["Host"].as<std::string>(), "cdn-c.example");
  // The same names, in node order, in the Clash group, the sing-box urltest and the Xray remarks.
  const nlohmann::json sb = nlohmann::json::parse(Render(u, Format::kSingbox, {}).body);
  const nlohmann::json xr = nlohmann::json::parse(Render(u, Format::kXray, {}).body);
  ASSERT_EQ(sb["outbounds"][1]["tag"], "auto");
  ASSERT_EQ(xr.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const std::string name = y["proxies"][i]["name"].as<std::string>();
    EXPECT_EQ(y["proxy-groups"][0]["proxies"][i].as<std::string>(), name);
    EXPECT_EQ(sb["outbounds"][1]["outbounds"][i], name);
    EXPECT_EQ(xr[i]["remarks"], name);
  }
}

TEST(SubscriptionRenderTest, ContentTypesAndDisposition) {
  struct Case {
    Format format;
    std::string content_type, disposition;
  };
  const Case cases[] = {
      {Format::kBase64, "text/plain; charset=utf-8", "attachment; filename=\"alice\""},
      {Format::kClash, "text/yaml; charset=utf-8", "attachment; filename=\"alice\""},
      {Format::kSingbox, "application/json; charset=utf-8", "attachment; filename=\"alice\""},
      {Format::kXray, "application/json; charset=utf-8", "attachment; filename=\"alice\""},
      {Format::kInfo, "application/json; charset=utf-8", "attachment; filename=\"alice\""},
      {Format::kHtml, "text/html; charset=utf-8", "inline"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(FormatName(c.format));
    const Rendered r = Render(testing::FixedUser(), c.format, {});
    EXPECT_EQ(r.content_type, c.content_type);
    EXPECT_EQ(Header(r, "content-disposition"), c.disposition);
    EXPECT_EQ(Header(r, "Vary"), "User-Agent, Accept");
    EXPECT_EQ(Header(r, "Content-Security-Policy").empty(), c.format != Format::kHtml);
  }
}

TEST(SubscriptionRenderTest, ETagFollowsTheBody) {
  EXPECT_EQ(ETagOf("a"), ETagOf("a"));
  EXPECT_NE(ETagOf("a"), ETagOf("b"));
  EXPECT_EQ(ETagOf("a").front(), '"');
}

}  // namespace
}  // namespace x3ui::subscription
