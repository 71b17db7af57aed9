// File: tests/unit/subscription/fixture.h
//
// The links, the user and the helper the subscription format tests share: one of each scheme and transport
// the formats map (vless over tcp with REALITY, vmess over ws with TLS in v2rayN's base64 JSON,
// trojan over ws with TLS, vless over tcp with plain TLS), fixed so that the golden files stay
// byte-for-byte stable.
#ifndef X3UI_TESTS_UNIT_SUBSCRIPTION_FIXTURE_H_
#define X3UI_TESTS_UNIT_SUBSCRIPTION_FIXTURE_H_

#include <string>

#include "pkg/common/base64.h"
#include "pkg/subscription/render.h"
#include "pkg/subscription/user_view.h"

namespace x3ui::subscription::testing {

inline const char kVlessReality[] =
    "vless://3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f@node-a.example.com:443?type=tcp&security=reality&pbk=PUBKEY"
    "&fp=chrome&sni=www.example.org&sid=ab12&flow=xtls-rprx-vision#node-a%20alice";
inline const char kTrojanWs[] =
    "trojan://s3cret@node-b.example.com:8443?type=ws&security=tls&path=%2Fws&host=cdn.example&sni=cdn.example#node-b";
inline const char kVlessTls[] =
    "vless://0a1b2c3d-0000-4000-8000-00000000000d@node-d.example.com:443?type=tcp&security=tls&sni=node-d.example.com"
    "&fp=firefox#node-d";

// v2rayN's vmess JSON: the port and alterId as strings, as v2rayN writes them.
inline std::string VmessWs() {
  return "vmess://" + Base64Encode(R"({"v":"2","ps":"node-c vmess","add":"node-c.example.com","port":"2053",)"
                                   R"("id":"11111111-2222-4333-8444-555555555555","aid":"0","scy":"auto","net":"ws",)"
                                   R"("type":"none","host":"cdn-c.example","path":"/vm","tls":"tls",)"
                                   R"("sni":"cdn-c.example","fp":"chrome"})");
}

inline UserView FixedUser() {
  UserView u;
  u.name = "alice";
  u.node = "node-a";
  u.phase = "Ready";
  u.node_phase = "Ready";
  u.total_bytes = 1073741824;
  u.expiry_unix = 1767225600;
  u.ip_limit = 2;
  u.links = {kVlessReality, VmessWs(), kTrojanWs, kVlessTls};
  return u;
}

// The value of a reply header; "" when it is absent.
inline std::string Header(const Rendered& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace x3ui::subscription::testing

#endif  // X3UI_TESTS_UNIT_SUBSCRIPTION_FIXTURE_H_
