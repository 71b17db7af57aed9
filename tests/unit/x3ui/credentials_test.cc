#include "pkg/x3ui/credentials.h"

#include <gtest/gtest.h>

#include "pkg/common/base64.h"

namespace x3ui::panel {
namespace {

using Json = nlohmann::json;

Json Secret(Json data) {
  return {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "fra-panel"}, {"namespace", "vpn"}}},
          {"data", std::move(data)}};
}

TEST(CredentialsTest, UsernameAndPasswordFromData) {
  auto c = CredentialsFromSecret(Secret({{"username", Base64Encode("admin")}, {"password", Base64Encode("s3cret")}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->username, "admin");
  EXPECT_EQ(c->password, "s3cret");
  EXPECT_TRUE(c->api_token.empty());
}

TEST(CredentialsTest, TokenAloneIsEnough) {
  auto c = CredentialsFromSecret(Secret({{"token", Base64Encode("tok")}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->api_token, "tok");
}

TEST(CredentialsTest, StringDataForLocalObjects) {
  Json s = Secret(Json::object());
  s["stringData"] = {{"username", "admin"}, {"password", "pw"}};
  EXPECT_EQ(CredentialsFromSecret(s)->password, "pw");
}

TEST(CredentialsTest, MissingOrBrokenKeysSayWhichWithoutValues) {
  Status s = CredentialsFromSecret(Secret({{"username", Base64Encode("admin-user-value")}})).status();
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(s.message(), "Secret vpn/fra-panel needs keys username and password, or token");
  EXPECT_EQ(s.ToString().find("admin-user-value"), std::string::npos);
  Status bad = CredentialsFromSecret(Secret({{"password", "not base64!"}})).status();
  EXPECT_EQ(bad.message(), "Secret vpn/fra-panel: data.password is not base64");
}

TEST(CredentialsTest, CaBundle) {
  EXPECT_EQ(*CaBundleFromSecret(Secret({{"ca.crt", Base64Encode("PEM")}}), ""), "PEM");
  EXPECT_EQ(*CaBundleFromSecret(Secret({{"root.pem", Base64Encode("P2")}}), "root.pem"), "P2");
  EXPECT_EQ(CaBundleFromSecret(Secret(Json::object()), "").status().reason(), "CaMissing");
}

TEST(CredentialsTest, BytesTheLoginCannotCarryAreRefusedNamingTheKeyNotTheValue) {
  // A password that is not UTF-8 cannot be sent as JSON faithfully (and once aborted the process).
  struct Case {
    const char* key;
    std::string value;
  };
  for (const Case& c : {Case{"password", "pw\xFF\xFEsecret"}, Case{"username", "adm\xC3"},
                        Case{"token", "tok\r\nX-Injected: yes"}, Case{"token", "tok secret"}}) {
    Json data = {{"username", Base64Encode("admin")}, {"password", Base64Encode("pw")}};
    if (std::string(c.key) == "token") data = Json::object();
    data[c.key] = Base64Encode(c.value);
    Status s = CredentialsFromSecret(Secret(data)).status();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.key;
    EXPECT_EQ(s.reason(), "CredentialsInvalid") << c.key;
    EXPECT_NE(s.message().find("Secret vpn/fra-panel: key " + std::string(c.key)), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(c.value), std::string::npos) << "never the value";
    EXPECT_EQ(s.message().find("secret"), std::string::npos);
  }
  auto ok = CredentialsFromSecret(Secret({{"username", Base64Encode("\xC3\xA9mile")}, {"password", Base64Encode("p\xC3\xA4ss")}}));
  EXPECT_TRUE(ok.ok()) << "UTF-8 beyond ASCII is fine";
}

}  // namespace
}  // namespace x3ui::panel
