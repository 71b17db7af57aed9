// CheckCaBundle: a caSecretRef bundle is used only when it is PEM certificates, and a bad one
// is refused with CaInvalid, never quoting the bundle.
#include "pkg/x3ui/tls_trust.h"

#include <gtest/gtest.h>

namespace x3ui::panel {
namespace {

// A throwaway self-signed CA certificate (its key was discarded).
const std::string kCa = R"(-----BEGIN CERTIFICATE-----
MIIBhjCCASugAwIBAgIUBOu0QVMqk81i95/upf6a/lpnty8wCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMeDN1aS10ZXN0LWNhMCAXDTI2MTIwMjA2MDM0MloYDzIxMjYx
MTA4MDYwMzQyWjAXMRUwEwYDVQQDDAx4M3VpLXRlc3QtY2EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAASEWTRKEDa2UeSfMu4sHgRBnfD+wRZgQ3XKvfSdLQJVq8qt
3lDjfbjjNysd4oif3YxW7DCiQuNv4UY8NHaLH2gKo1MwUTAdBgNVHQ4EFgQUMPtJ
ocO1H9Q0WVg8KJleUAdsdnIwHwYDVR0jBBgwFoAUMPtJocO1H9Q0WVg8KJleUAds
dnIwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAiQC/nBdggU+G
wSrO52FOn7D82uajEeHHRvEseI1Hqo0CIQCNUMc/BqqXc2TVRELsu6yzYvGH+MgU
z1dru948X7XjvA==
-----END CERTIFICATE-----
)";
// kCa with four base64 characters of its first line replaced by '!'.
const std::string kGarbled = std::string(kCa).replace(kCa.find("ASug"), 4, "!!!!");
// kCa cut after its third line of base64.
const std::string kTruncated = kCa.substr(0, kCa.find("BggqhkjOPQMBBwNCAAS")) + "-----END CERTIFICATE-----\n";
const std::string kKeyOnly = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg
-----END PRIVATE KEY-----
)";

TEST(CheckCaBundleTest, OnlyPemCertificatesPass) {
  struct Case {
    const char* name;
    std::string pem;
    bool ok;
  };
  const Case cases[] = {
      {"one certificate", kCa, true},
      {"two certificates with text around them", "# bundle\n" + kCa + "comment\n" + kCa, true},
      {"empty", "", false},
      {"not PEM at all", "this is not a certificate", false},
      {"a DER-looking blob", std::string("\x30\x82\x01\x86", 4), false},
      {"base64 garbled inside the block", kGarbled, false},
      {"a truncated block", kTruncated, false},
      {"a good certificate, then a garbled one", kCa + kGarbled, false},
      {"a private key and no certificate", kKeyOnly, false},
  };
  for (const Case& c : cases) {
    Status s = CheckCaBundle(c.pem);
    EXPECT_EQ(s.ok(), c.ok) << c.name << ": " << s.ToString();
    if (c.ok) continue;
    EXPECT_EQ(s.reason(), "CaInvalid") << c.name;
    EXPECT_EQ(s.message().find("MII"), std::string::npos) << c.name << ": the message quotes the bundle";
    EXPECT_EQ(s.message().find("BEGIN"), std::string::npos) << c.name << ": the message quotes the bundle";
  }
}

}  // namespace
}  // namespace x3ui::panel
