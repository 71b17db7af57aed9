// The InsecureTransport condition of a VpnNode, and when its Warning Event is due, as tables.
#include "controller/node/status.h"

#include <gtest/gtest.h>

#include "controller/transport_security.h"

namespace x3ui::controller {
namespace {

api::PanelSpec Panel(const std::string& url, bool skip_verify = false) {
  api::PanelSpec p;
  p.url = url;
  p.insecure_skip_tls_verify = skip_verify;
  return p;
}

TEST(InsecureTransportConditionTest, PlainHttpAndUnverifiedTlsAreInsecure) {
  struct Case {
    const char* url;
    bool skip_verify;
    const char* status;
    const char* reason;
  };
  const Case cases[] = {
      {"http://10.0.0.7:2053/base/", false, api::kConditionTrue, api::kReasonPlainHttp},
      {"HTTP://panel.example.com/", false, api::kConditionTrue, api::kReasonPlainHttp},
      {"http://panel.example.com/", true, api::kConditionTrue, api::kReasonPlainHttp},  // nothing to verify
      {"https://panel.example.com/", true, api::kConditionTrue, api::kReasonTlsVerifyDisabled},
      {"https://panel.example.com:2053/base/", false, api::kConditionFalse, api::kReasonTlsVerified},
  };
  for (const Case& c : cases) {
    api::Condition cond = InsecureTransportCondition(Panel(c.url, c.skip_verify), 4);
    EXPECT_EQ(cond.type, "InsecureTransport");
    EXPECT_EQ(cond.status, c.status) << c.url;
    EXPECT_EQ(cond.reason, c.reason) << c.url;
    EXPECT_EQ(cond.observed_generation, 4);
    EXPECT_EQ(cond.message.find("/base/"), std::string::npos) << "quotes the URL's path: " << cond.message;
  }
}

TEST(InsecureTransportBeganTest, OnceOnTheTransitionToTrue) {
  const api::Condition plain = InsecureTransportCondition(Panel("http://p/"), 1);
  const api::Condition unverified = InsecureTransportCondition(Panel("https://p/", true), 1);
  const api::Condition verified = InsecureTransportCondition(Panel("https://p/"), 1);
  const api::Condition other{.type = "Ready", .status = api::kConditionTrue, .reason = "PanelReady"};
  using List = std::vector<api::Condition>;
  struct Case {
    const char* name;
    List was, next;
    bool began;
  };
  const Case cases[] = {
      {"new node, insecure", {}, {plain}, true},
      {"new node, verified", {}, {verified}, false},
      {"was verified, now plain", {verified, other}, {plain, other}, true},
      {"still plain (no Event on every probe)", {plain}, {plain}, false},
      {"plain to unverified TLS", {plain}, {unverified}, true},
      {"insecure to verified", {unverified}, {verified}, false},
      {"no condition computed", {plain}, {other}, false},
  };
  for (const Case& c : cases) EXPECT_EQ(InsecureTransportBegan(c.was, c.next), c.began) << c.name;
}

}  // namespace
}  // namespace x3ui::controller
