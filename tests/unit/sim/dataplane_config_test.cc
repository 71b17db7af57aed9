// Table tests of RenderServerConfig: which inbounds and clients a simulated panel's v2ray
// serves, with what settings, and which it skips and why.
#include "tests/sim/dataplane_config.h"

#include <gtest/gtest.h>

namespace x3ui::sim {
namespace {

const FallbackCertificate kFallback{"/dp/self-signed_cert.pem", "/dp/self-signed_key.pem"};

SimInbound Inbound(int64_t id, const std::string& protocol, Json stream, Json clients, bool enable = true) {
  SimInbound in{id, 30000 + id, protocol, "r", "in-" + std::to_string(id), Json::object(), std::move(stream), enable};
  in.settings = {{"clients", std::move(clients)}};
  return in;
}

Json Tcp() { return {{"network", "tcp"}, {"security", "none"}}; }
Json Ws(const std::string& path) { return {{"network", "ws"}, {"security", "none"}, {"wsSettings", {{"path", path}}}}; }
Json WsTls(Json tls_settings) {
  return {{"network", "ws"}, {"security", "tls"}, {"wsSettings", {{"path", "/tj"}}}, {"tlsSettings", std::move(tls_settings)}};
}
Json Reality() { return {{"network", "tcp"}, {"security", "reality"}}; }

// The rendered inbound with this tag, or null.
Json Served(const RenderedServerConfig& r, const std::string& tag) {
  for (const auto& in : r.config["inbounds"]) {
    if (in["tag"] == tag) return in;
  }
  return nullptr;
}

struct Case {
  std::string name;
  SimInbound inbound;
  Json want_inbound;                  // null: not served
  std::vector<std::string> skipped;   // "tag: why"
};

TEST(RenderServerConfig, ServesOrSkipsEachInbound) {
  const Json alice = {{"id", "11111111-1111-4111-8111-111111111111"}, {"email", "Alice"}, {"enable", true},
                      {"flow", "xtls-rprx-vision"}, {"subId", "s"}};
  const Json bob_off = {{"id", "22222222-2222-4222-8222-222222222222"}, {"email", "bob"}, {"enable", false}};
  const Json carol_trojan = {{"password", "pw"}, {"email", "carol"}};  // no "enable": enabled
  const Json inline_cert = {{"certificates", {{{"certificate", "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"},
                                               {"key", {"-----BEGIN KEY-----", "BBB", "-----END KEY-----"}}}}}};
  std::vector<Case> cases = {
      {"vless over tcp: clients reduced to id, email and level; disabled ones left out",
       Inbound(1, "vless", Tcp(), {alice, bob_off}),
       {{"tag", "in-1"}, {"listen", "127.0.0.1"}, {"port", 30001}, {"protocol", "vless"},
        {"settings", {{"clients", {{{"id", alice["id"]}, {"email", "Alice"}, {"level", 0}}}}, {"decryption", "none"}}},
        {"streamSettings", {{"network", "tcp"}, {"security", "none"}}}},
       {}},
      {"vmess over ws: alterId 0 and the path",
       Inbound(2, "vmess", Ws("/vm"), {alice}),
       {{"tag", "in-2"}, {"listen", "127.0.0.1"}, {"port", 30002}, {"protocol", "vmess"},
        {"settings", {{"clients", {{{"id", alice["id"]}, {"alterId", 0}, {"email", "Alice"}, {"level", 0}}}}}},
        {"streamSettings", {{"network", "ws"}, {"security", "none"}, {"wsSettings", {{"path", "/vm"}}}}}},
       {}},
      {"trojan over ws+tls without certificates: the fallback one",
       Inbound(3, "trojan", WsTls({{"serverName", "x"}, {"alpn", {"h2"}}}), {carol_trojan}),
       {{"tag", "in-3"}, {"listen", "127.0.0.1"}, {"port", 30003}, {"protocol", "trojan"},
        {"settings", {{"clients", {{{"password", "pw"}, {"email", "carol"}, {"level", 0}}}}}},
        {"streamSettings", {{"network", "ws"}, {"security", "tls"}, {"wsSettings", {{"path", "/tj"}}},
                            {"tlsSettings", {{"certificates", {{{"certificateFile", kFallback.certificate_file},
                                                                {"keyFile", kFallback.key_file}}}}}}}}},
       {}},
      {"tls with the inbound's certificate files",
       Inbound(4, "trojan", WsTls({{"certificates", {{{"certificateFile", "/c.pem"}, {"keyFile", "/k.pem"}}}}}), {carol_trojan}),
       {{"tag", "in-4"}, {"listen", "127.0.0.1"}, {"port", 30004}, {"protocol", "trojan"},
        {"settings", {{"clients", {{{"password", "pw"}, {"email", "carol"}, {"level", 0}}}}}},
        {"streamSettings", {{"network", "ws"}, {"security", "tls"}, {"wsSettings", {{"path", "/tj"}}},
                            {"tlsSettings", {{"certificates", {{{"certificateFile", "/c.pem"}, {"keyFile", "/k.pem"}}}}}}}}},
       {}},
      {"tls with inline PEM: split into lines",
       Inbound(5, "trojan", WsTls(inline_cert), {carol_trojan}),
       {{"tag", "in-5"}, {"listen", "127.0.0.1"}, {"port", 30005}, {"protocol", "trojan"},
        {"settings", {{"clients", {{{"password", "pw"}, {"email", "carol"}, {"level", 0}}}}}},
        {"streamSettings",
         {{"network", "ws"}, {"security", "tls"}, {"wsSettings", {{"path", "/tj"}}},
          {"tlsSettings", {{"certificates", {{{"certificate", {"-----BEGIN CERTIFICATE-----", "AAA", "-----END CERTIFICATE-----"}},
                                              {"key", {"-----BEGIN KEY-----", "BBB", "-----END KEY-----"}}}}}}}}}},
       {}},
      {"reality is skipped", Inbound(6, "vless", Reality(), {alice}), nullptr,
       {"in-6: REALITY cannot be served by v2ray 4.34"}},
      {"shadowsocks is skipped", Inbound(7, "shadowsocks", Tcp(), {alice}), nullptr,
       {"in-7: protocol shadowsocks is not served (vless, vmess and trojan are)"}},
      {"grpc is skipped", Inbound(8, "vless", {{"network", "grpc"}, {"security", "none"}}, {alice}), nullptr,
       {"in-8: network grpc is not served (tcp and ws are)"}},
      {"xtls is skipped", Inbound(9, "vless", {{"network", "tcp"}, {"security", "xtls"}}, {alice}), nullptr,
       {"in-9: security xtls is not served (none and tls are)"}},
      {"no enabled client: skipped", Inbound(10, "vless", Tcp(), {bob_off}), nullptr, {"in-10: no enabled client"}},
      {"a disabled inbound: left out silently", Inbound(11, "vless", Tcp(), {alice}, false), nullptr, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RenderedServerConfig r = RenderServerConfig({c.inbound}, 21999, kFallback);
    EXPECT_EQ(Served(r, c.inbound.tag), c.want_inbound);
    EXPECT_EQ(r.skipped, c.skipped);
    EXPECT_EQ(r.served, c.want_inbound.is_null() ? std::vector<std::string>{} : std::vector<std::string>{c.inbound.tag});
  }
}

TEST(RenderServerConfig, CarriesTheStatsServiceOnAnApiInbound) {
  RenderedServerConfig r = RenderServerConfig({}, 21999, kFallback);
  const Json& cfg = r.config;
  EXPECT_EQ(cfg["stats"], Json::object());
  EXPECT_EQ(cfg["api"], (Json{{"tag", "api"}, {"services", {"StatsService"}}}));
  EXPECT_EQ(cfg["policy"]["levels"]["0"], (Json{{"statsUserUplink", true}, {"statsUserDownlink", true}}));
  EXPECT_EQ(Served(r, "api"), (Json{{"tag", "api"}, {"listen", "127.0.0.1"}, {"port", 21999}, {"protocol", "dokodemo-door"},
                                   {"settings", {{"address", "127.0.0.1"}}}}));
  EXPECT_EQ(cfg["routing"]["rules"],
            (Json::array({{{"type", "field"}, {"inboundTag", {"api"}}, {"outboundTag", "api"}}})));
  EXPECT_EQ(cfg["outbounds"][0]["protocol"], "freedom");
}

TEST(RenderServerConfig, OddPanelStateIsRenderedWithoutThrowing) {
  SimInbound in = Inbound(13, "trojan", {{"network", "ws"}, {"security", "tls"}, {"wsSettings", "x"}, {"tlsSettings", 7}},
                          {"not-a-client", {{"password", "pw"}, {"email", "e"}}});
  in.stream_settings["tlsSettings"] = "not an object";
  RenderedServerConfig r = RenderServerConfig({in, Inbound(14, "vless", Json::array(), Json::object())}, 1, kFallback);
  EXPECT_EQ(r.served, std::vector<std::string>{"in-13"});
  EXPECT_EQ(Served(r, "in-13")["streamSettings"]["wsSettings"]["path"], "/");
  EXPECT_EQ(Served(r, "in-13")["streamSettings"]["tlsSettings"]["certificates"][0]["keyFile"], kFallback.key_file);
  EXPECT_EQ(r.skipped, std::vector<std::string>{"in-14: no enabled client"});
}

TEST(RenderServerConfig, AnInboundWithoutATagIsNamedByItsId) {
  SimInbound in = Inbound(12, "vless", Tcp(), {{{"id", "u"}, {"email", "e"}}});
  in.tag = "";
  EXPECT_EQ(RenderServerConfig({in}, 1, kFallback).served, std::vector<std::string>{"inbound-12"});
}

}  // namespace
}  // namespace x3ui::sim
