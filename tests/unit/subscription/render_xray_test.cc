// The `xray` body parsed back with nlohmann::json, element by element, and each element without
// REALITY loaded by a real core: Debian's v2ray 4.34 (`v2ray -test`), skipped where it is absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pkg/subscription/render.h"
#include "tests/unit/subscription/fixture.h"

namespace x3ui::subscription {
namespace {

using nlohmann::json;

json Xray(const UserView& u) { return json::parse(Render(u, Format::kXray, {}).body); }

TEST(SubscriptionXrayTest, AnArrayOfFullConfigsInNodeOrder) {
  const json configs = Xray(testing::FixedUser());
  ASSERT_TRUE(configs.is_array());
  ASSERT_EQ(configs.size(), 4u);
  const char* const remarks[] = {"node-a alice", "node-c vmess", "node-b", "node-d"};
  const char* const protocols[] = {"vless", "vmess", "trojan", "vless"};
  for (size_t i = 0; i < configs.size(); ++i) {
    SCOPED_TRACE(i);
    const json& c = configs[i];
    EXPECT_EQ(c["remarks"], remarks[i]);
    ASSERT_EQ(c["inbounds"].size(), 2u);
    EXPECT_EQ(c["inbounds"][0]["protocol"], "socks");
    EXPECT_EQ(c["inbounds"][0]["listen"], "127.0.0.1");
    EXPECT_EQ(c["inbounds"][0]["port"], 10808);
    EXPECT_EQ(c["inbounds"][1]["protocol"], "http");
    EXPECT_EQ(c["inbounds"][1]["port"], 10809);
    ASSERT_EQ(c["outbounds"].size(), 3u);
    EXPECT_EQ(c["outbounds"][0]["tag"], "proxy");  // the first outbound is the default route
    EXPECT_EQ(c["outbounds"][0]["protocol"], protocols[i]);
    EXPECT_EQ(c["outbounds"][1]["tag"], "direct");
    EXPECT_EQ(c["outbounds"][1]["protocol"], "freedom");
    EXPECT_EQ(c["outbounds"][2]["tag"], "block");
    EXPECT_EQ(c["outbounds"][2]["protocol"], "blackhole");
  }
}

TEST(SubscriptionXrayTest, ProxyOutboundFields) {
  const json configs = Xray(testing::FixedUser());
  const json reality = configs[0]["outbounds"][0];
  const json& vnext = reality["settings"]["vnext"][0];
  EXPECT_EQ(vnext["address"], "node-a.example.com");
  EXPECT_EQ(vnext["port"], 443);
  EXPECT_EQ(vnext["users"][0]["id"], "3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f");
  EXPECT_EQ(vnext["users"][0]["encryption"], "none");
  EXPECT_EQ(vnext["users"][0]["flow"], "xtls-rprx-vision");
  const json& rs = reality["streamSettings"];
  EXPECT_EQ(rs["network"], "tcp");
  EXPECT_EQ(rs["security"], "reality");
  EXPECT_EQ(rs["realitySettings"]["serverName"], "www.example.org");
  EXPECT_EQ(rs["realitySettings"]["fingerprint"], "chrome");
  EXPECT_EQ(rs["realitySettings"]["publicKey"], "PUBKEY");
  EXPECT_EQ(rs["realitySettings"]["shortId"], "ab12");

  const json vmess = configs[1]["outbounds"][0];
  EXPECT_EQ(vmess["settings"]["vnext"][0]["users"][0]["alterId"], 0);
  EXPECT_EQ(vmess["settings"]["vnext"][0]["port"], 2053);
  EXPECT_EQ(vmess["streamSettings"]["network"], "ws");
  EXPECT_EQ(vmess["streamSettings"]["security"], "tls");
  EXPECT_EQ(vmess["streamSettings"]["tlsSettings"]["serverName"], "cdn-c.example");
  EXPECT_EQ(vmess["streamSettings"]["wsSettings"]["path"], "/vm");
  EXPECT_EQ(vmess["streamSettings"]["wsSettings"]["headers"]["Host"], "cdn-c.example");

  const json trojan = configs[2]["outbounds"][0];
  EXPECT_EQ(trojan["settings"]["servers"][0]["address"], "node-b.example.com");
  EXPECT_EQ(trojan["settings"]["servers"][0]["port"], 8443);
  EXPECT_EQ(trojan["settings"]["servers"][0]["password"], "s3cret");
  EXPECT_EQ(trojan["streamSettings"]["wsSettings"]["path"], "/ws");

  const json grpc = Xray([] {
    UserView u = testing::FixedUser();
    u.links = {"vless://id@h:443?type=grpc&serviceName=svc&security=none#g"};
    return u;
  }())[0]["outbounds"][0]["streamSettings"];
  EXPECT_EQ(grpc["network"], "grpc");
  EXPECT_EQ(grpc["security"], "none");
  EXPECT_EQ(grpc["grpcSettings"]["serviceName"], "svc");
}

TEST(SubscriptionXrayTest, NoServersIsAnEmptyArray) {
  UserView u = testing::FixedUser();
  u.enabled = false;
  EXPECT_EQ(Xray(u), json::array());
}

bool HaveV2ray() { return std::system("command -v v2ray >/dev/null 2>&1") == 0; }

// Every element v2ray can read (it has no REALITY) passes `v2ray -test`.
TEST(SubscriptionXrayTest, V2rayLoadsEachNonRealityConfig) {
  if (!HaveV2ray()) GTEST_SKIP() << "v2ray is not installed (hack/install-deps.sh installs it)";
  const json configs = Xray(testing::FixedUser());
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("x3ui-xray-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int tested = 0;
  for (const json& c : configs) {
    if (c["outbounds"][0]["streamSettings"]["security"] == "reality") continue;
    SCOPED_TRACE(c["remarks"].get<std::string>());
    const std::filesystem::path file = dir / ("config-" + std::to_string(tested++) + ".json");
    std::ofstream(file) << c.dump(2);
    const std::string cmd = "v2ray -test -config " + file.string() + " >" + file.string() + ".log 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << std::ifstream(file.string() + ".log").rdbuf();
  }
  EXPECT_EQ(tested, 3);  // vmess+ws+tls, trojan+ws+tls, vless+tcp+tls
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace x3ui::subscription
