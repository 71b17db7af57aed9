#include "pkg/subscription/handler.h"

#include <tuple>

#include <gtest/gtest.h>

#include "pkg/common/base64.h"
#include "pkg/kube/object_key.h"
#include "pkg/subscription/catalog.h"

namespace x3ui::subscription {
namespace {

using namespace std::chrono_literals;

const char kToken[] = "AAAAbbbbCCCCddddEEEEffffGGGGhhhh";

std::optional<UserView> Find(const std::string& t) {
  if (t != kToken) return std::nullopt;
  UserView u;
  u.name = "alice";
  u.node = "node-a";
  u.node_phase = "Ready";
  u.links = {"vless://id@node-a.example.com:443?type=tcp#a"};
  return u;
}

http::Request Get(const std::string& path, const std::string& query = "", const std::string& ip = "10.0.0.1") {
  http::Request r;
  r.method = "GET";
  r.path = path;
  r.query = query;
  r.remote_ip = ip;
  return r;
}

const auto kNow = std::chrono::steady_clock::time_point{} + 1000s;

TEST(SubscriptionHandlerTest, StatusTable) {
  struct Case {
    std::string path, query;
    int code;
    std::string format;
  };
  const std::string sub = std::string("/sub/") + kToken;
  const Case cases[] = {
      {sub, "", 200, "base64"},
      {sub + "/clash", "", 200, "clash"},
      {sub + "/info", "", 200, "info"},
      {sub, "format=clash", 200, "clash"},
      {sub + "/singbox", "", 200, "singbox"},
      {sub + "/xray", "", 200, "xray"},
      {sub + "/html", "", 200, "html"},
      {sub + "/sing-box", "", 404, "none"},
      {"/sub/wrong", "", 404, "none"},
      {"/sub/", "", 404, "none"},
      {"/other", "", 404, "none"},
      {sub + "/clash/x", "", 404, "none"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + "?" + c.query);
    Reply r = Respond(Get(c.path, c.query), Find, nullptr, kNow, {});
    EXPECT_EQ(r.response.status, c.code);
    EXPECT_EQ(r.format, c.format);
    if (c.code == 404) {
      EXPECT_EQ(r.response.body, kNotFoundBody);  // one body for every miss
    }
  }
}

TEST(SubscriptionHandlerTest, ETagGives304AndHeadHasNoBody) {
  const std::string path = std::string("/sub/") + kToken;
  Reply first = Respond(Get(path), Find, nullptr, kNow, {});
  std::string etag;
  for (const auto& [k, v] : first.response.headers) {
    if (k == "ETag") etag = v;
  }
  ASSERT_FALSE(etag.empty());
  http::Request again = Get(path);
  again.headers["if-none-match"] = etag;
  Reply second = Respond(again, Find, nullptr, kNow, {});
  EXPECT_EQ(second.response.status, 304);
  EXPECT_TRUE(second.response.body.empty());
  http::Request head = Get(path);
  head.method = "HEAD";
  Reply h = Respond(head, Find, nullptr, kNow, {});
  EXPECT_EQ(h.response.status, 200);
  // As for GET: the HTTP server sends only the head, whose Content-Length is this body's.
  EXPECT_EQ(h.response.body, first.response.body);
  http::Request post = Get(path);
  post.method = "POST";
  EXPECT_EQ(Respond(post, Find, nullptr, kNow, {}).response.status, 405);
}

// The request's User-Agent and Accept headers reach the format choice.
TEST(SubscriptionHandlerTest, ClientHeadersChooseTheFormat) {
  struct Case {
    std::string user_agent, accept, format, content_type;
  };
  const Case cases[] = {
      {"", "", "base64", "text/plain; charset=utf-8"},
      {"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "text/html,*/*;q=0.8", "html", "text/html; charset=utf-8"},
      {"curl/8.0", "text/html", "html", "text/html; charset=utf-8"},
      {"SFA/1.8.0", "*/*", "singbox", "application/json; charset=utf-8"},
      {"mihomo/1.18", "", "clash", "text/yaml; charset=utf-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.user_agent + "|" + c.accept);
    http::Request r = Get(std::string("/sub/") + kToken);
    if (!c.user_agent.empty()) r.headers["user-agent"] = c.user_agent;
    if (!c.accept.empty()) r.headers["accept"] = c.accept;
    const Reply reply = Respond(r, Find, nullptr, kNow, {});
    EXPECT_EQ(reply.response.status, 200);
    EXPECT_EQ(reply.format, c.format);
    EXPECT_EQ(reply.response.content_type, c.content_type);
  }
}

TEST(SubscriptionHandlerTest, RateLimitedPerIpWithRetryAfter) {
  RateLimiter rl(1, 2);
  const std::string path = std::string("/sub/") + kToken;
  EXPECT_EQ(Respond(Get(path), Find, &rl, kNow, {}).response.status, 200);
  EXPECT_EQ(Respond(Get("/sub/guess"), Find, &rl, kNow, {}).response.status, 404);
  Reply limited = Respond(Get(path), Find, &rl, kNow, {});
  EXPECT_EQ(limited.response.status, 429);
  EXPECT_EQ(limited.response.headers.at(0).first, "Retry-After");
  EXPECT_EQ(Respond(Get(path, "", "10.0.0.2"), Find, &rl, kNow, {}).response.status, 200);
}

TEST(SubscriptionCatalogTest, EntryAndViewFromCachedObjects) {
  const kube::Json secret = {
      {"metadata",
       {{"name", "alice-vpn"},
        {"namespace", "vpn"},
        {"ownerReferences", {{{"kind", "VpnAssignment"}, {"name", "alice"}, {"controller", true}}}}}},
      {"data", {{"subscriptionToken", Base64Encode("tok")}, {"links", Base64Encode("vless://a@h:1#x\nvless://b@h:2#y\n")}}}};
  auto e = EntryOf(secret);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "vpn/alice");
  EXPECT_EQ(e->token, "tok");
  const kube::Json a = {{"metadata", {{"name", "alice"}, {"namespace", "vpn"}}},
                        {"spec", {{"enabled", false}, {"limits", {{"totalBytes", 5}, {"expiryTime", "2026-01-01T00:00:00Z"}}}}},
                        {"status", {{"nodeName", "node-a"}, {"phase", "Placed"}}}};
  const kube::Json node = {{"status", {{"phase", "Unreachable"}}}};
  UserView u = ViewOf(a, &node, secret);
  EXPECT_EQ(u.name, "alice");
  EXPECT_FALSE(u.enabled);
  EXPECT_EQ(u.node, "node-a");
  EXPECT_EQ(u.node_phase, "Unreachable");
  EXPECT_EQ(u.total_bytes, 5);
  EXPECT_EQ(u.expiry_unix, 1767225600);
  ASSERT_EQ(u.links.size(), 2u);
  EXPECT_EQ(u.links[1], "vless://b@h:2#y");
  kube::Json no_owner = secret;
  no_owner["metadata"].erase("ownerReferences");
  EXPECT_FALSE(EntryOf(no_owner));
}

// A node that publishes endpoints gives the links: built from the user's keys in the Secret for
// the inbounds the user wants, whatever links an older operator left in the Secret.
TEST(CatalogTest, LinksFollowTheNodesPublishedEndpoints) {
  const kube::Json secret = {
      {"metadata", {{"name", "alice-vpn"}, {"namespace", "vpn"}}},
      {"data",
       {{"uuid", Base64Encode("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")},
        {"password", Base64Encode("pw1")},
        {"links", Base64Encode("vless://stale@old-node:1#old\n")}}}};
  const kube::Json a = {{"metadata", {{"name", "alice"}, {"namespace", "vpn"}}},
                        {"spec", {{"inbounds", {"tj"}}}},
                        {"status", {{"nodeName", "node-b"}}}};
  kube::Json node = {
      {"status",
       {{"phase", "Ready"},
        {"inbounds",
         {{{"name", "vl"}, {"protocol", "vless"}, {"address", "b.example.com"}, {"port", 443},
           {"params", {{"type", "tcp"}, {"security", "none"}, {"encryption", "none"}}}},
          {{"name", "tj"}, {"protocol", "trojan"}, {"remark", "fra"}, {"address", "b.example.com"}, {"port", 8443},
           {"params", {{"type", "ws"}, {"security", "tls"}, {"path", "/tj"}}}}}}}}};
  UserView u = ViewOf(a, &node, secret);
  ASSERT_EQ(u.links.size(), 1u);
  EXPECT_EQ(u.links[0], "trojan://pw1@b.example.com:8443?path=%2Ftj&security=tls&type=ws#fra-tj.alice@vpn.x3ui");
  kube::Json all = a;
  all["spec"].erase("inbounds");
  u = ViewOf(all, &node, secret);
  ASSERT_EQ(u.links.size(), 2u);
  EXPECT_EQ(u.links[0], "vless://0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9@b.example.com:443?encryption=none&security=none&type=tcp#vl.alice@vpn.x3ui");
  // A node without published endpoints (probed by an older operator): the Secret's links.
  node["status"].erase("inbounds");
  u = ViewOf(a, &node, secret);
  ASSERT_EQ(u.links.size(), 1u);
  EXPECT_EQ(u.links[0], "vless://stale@old-node:1#old");
}

// The informers cache trimmed objects: the same view and entry as from the objects in full,
// without what no reply reads (conditions, labels, annotations, the Secret's other keys).
TEST(CatalogTest, TrimmedObjectsGiveTheSameViewAndDropWhatNoReplyReads) {
  kube::Json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", "alice-vpn"}, {"namespace", "vpn"}, {"resourceVersion", "7"}, {"uid", "u1"},
        {"labels", {{"x3ui.io/user-credentials", "true"}}},
        {"ownerReferences", {{{"apiVersion", "x3ui.io/v1alpha1"}, {"kind", "VpnAssignment"}, {"name", "alice"}, {"uid", "a1"}, {"controller", true}}}}}},
      {"data",
       {{"uuid", Base64Encode("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")}, {"password", Base64Encode("pw1")},
        {"subId", Base64Encode("sub")}, {"subscriptionToken", Base64Encode("tok")}, {"subscriptionUrl", Base64Encode("https://s/sub/tok")}}}};
  kube::Json a = {{"metadata", {{"name", "alice"}, {"namespace", "vpn"}, {"resourceVersion", "9"}, {"labels", {{"plan", "gold"}}},
                                {"annotations", {{"note", "x"}}}, {"finalizers", {"x3ui.io/clients"}}}},
                  {"spec", {{"user", {{"id", "1"}, {"email", "alice@example.com"}}}, {"enabled", true}, {"inbounds", {"vl"}},
                            {"limits", {{"totalBytes", 5}, {"ipLimit", 2}, {"expiryTime", "2026-01-01T00:00:00Z"}}}}},
                  {"status", {{"nodeName", "node-b"}, {"phase", "Ready"},
                              {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"message", std::string(500, 'm')}}}}}}};
  kube::Json node = {{"metadata", {{"name", "node-b"}, {"namespace", "vpn"}, {"resourceVersion", "3"}}},
                     {"spec", {{"publicHost", "b.example.com"}}},
                     {"status", {{"phase", "Ready"}, {"users", 10}, {"conditions", kube::Json::array()},
                                 {"inbounds", {{{"name", "vl"}, {"protocol", "vless"}, {"address", "b.example.com"}, {"port", 443},
                                                {"params", {{"type", "tcp"}, {"security", "none"}}}}}}}}};
  const UserView full = ViewOf(a, &node, secret);
  const std::optional<SecretEntry> full_entry = EntryOf(secret);
  KeepServedSecretFields(&secret);
  KeepServedAssignmentFields(&a);
  KeepServedNodeFields(&node);
  const UserView trimmed = ViewOf(a, &node, secret);
  EXPECT_EQ(trimmed.links, full.links);
  ASSERT_EQ(trimmed.links.size(), 1u);
  EXPECT_EQ(std::tie(trimmed.name, trimmed.enabled, trimmed.node, trimmed.phase, trimmed.node_phase, trimmed.total_bytes,
                     trimmed.expiry_unix, trimmed.ip_limit),
            std::tie(full.name, full.enabled, full.node, full.phase, full.node_phase, full.total_bytes, full.expiry_unix,
                     full.ip_limit));
  ASSERT_TRUE(full_entry && EntryOf(secret));
  EXPECT_EQ(EntryOf(secret)->key, full_entry->key);
  EXPECT_EQ(EntryOf(secret)->token, full_entry->token);
  EXPECT_EQ(kube::ObjectKey::Of(secret).String(), "vpn/alice-vpn") << "the informer's key survives";
  EXPECT_EQ(secret["metadata"]["resourceVersion"], "7") << "and its watch position";
  const std::string kept = a.dump() + secret.dump() + node.dump();
  for (const char* gone : {"conditions", "labels", "annotations", "subId", "subscriptionUrl", "finalizers", "publicHost", "\"uid\""}) {
    EXPECT_EQ(kept.find(gone), std::string::npos) << gone;
  }
}

}  // namespace
}  // namespace x3ui::subscription
