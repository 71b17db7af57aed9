// Tests of the subscription fields of a user's credentials Secret: the token, its rotation by
// annotation, the URL from --subscription-base-url and the label, as ApplySubscriptionFields
// decides them (no API server: the function is pure apart from the token generator).
#include "controller/assignment/credentials.h"

#include <gtest/gtest.h>

#include "pkg/common/base64.h"
#include "pkg/common/random.h"

namespace x3ui::controller {
namespace {

constexpr char kBase[] = "https://sub.example.com/sub/";

// A generator that hands out "tok1", "tok2", ... so a test can tell tokens apart.
struct CountingTokens {
  int n = 0;
  std::string operator()(size_t) { return "tok" + std::to_string(++n); }
};

api::VpnAssignment Assignment(const std::string& rotate = "") {
  api::VpnAssignment a;
  a.metadata.name = "alice";
  a.metadata.namespace_ = "vpn";
  if (!rotate.empty()) a.metadata.annotations[kRotateSubscriptionTokenAnnotation] = rotate;
  return a;
}

kube::Json Secret() { return {{"metadata", {{"name", "alice-vpn"}}}, {"data", kube::Json::object()}}; }

std::string Data(const kube::Json& s, const char* key) {
  if (!s["data"].contains(key)) return "";
  return Base64Decode(s["data"][key].get<std::string>()).value_or("?");
}

TEST(SubscriptionFieldsTest, ANewSecretGetsATokenTheUrlAndTheLabel) {
  CountingTokens gen;
  kube::Json s = Secret();
  EXPECT_TRUE(ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen)));
  EXPECT_EQ(Data(s, "subscriptionToken"), "tok1");
  EXPECT_EQ(Data(s, "subscriptionUrl"), std::string(kBase) + "tok1");
  EXPECT_EQ(s["metadata"]["labels"][kUserCredentialsLabel], "true");
}

TEST(SubscriptionFieldsTest, ASecondPassChangesNothing) {
  CountingTokens gen;
  kube::Json s = Secret();
  (void)ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen));
  EXPECT_FALSE(ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen)));
  EXPECT_EQ(Data(s, "subscriptionToken"), "tok1");
}

TEST(SubscriptionFieldsTest, TheLabelAloneIsNotAWrite) {
  CountingTokens gen;
  kube::Json s = Secret();
  (void)ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen));
  s["metadata"].erase("labels");  // a Secret written before the label existed
  EXPECT_FALSE(ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen)));
  EXPECT_EQ(s["metadata"]["labels"][kUserCredentialsLabel], "true");  // carried by the next write
}

// Table: how a rotation annotation and the record of the last handled one decide a new token.
TEST(SubscriptionFieldsTest, RotationTable) {
  struct Case {
    const char* name;
    std::string asked;    // the VpnAssignment's annotation
    std::string handled;  // the Secret's record
    bool rotates;
  };
  const Case cases[] = {
      {"no annotation", "", "", false},
      {"a first rotation", "1", "", true},
      {"already handled", "1", "1", false},
      {"a new value", "2", "1", true},
      {"annotation removed after a rotation", "", "1", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CountingTokens gen;
    kube::Json s = Secret();
    (void)ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen));  // tok1
    if (!c.handled.empty()) s["metadata"]["annotations"][kSubscriptionTokenRotatedAnnotation] = c.handled;
    EXPECT_EQ(ApplySubscriptionFields(s, Assignment(c.asked), kBase, std::ref(gen)), c.rotates);
    EXPECT_EQ(Data(s, "subscriptionToken"), c.rotates ? "tok2" : "tok1");
    EXPECT_EQ(Data(s, "subscriptionUrl"), std::string(kBase) + (c.rotates ? "tok2" : "tok1"));
    if (c.rotates) {
      EXPECT_EQ(s["metadata"]["annotations"][kSubscriptionTokenRotatedAnnotation], c.asked);
    }
    // Done once: the same annotation again keeps the new token.
    EXPECT_FALSE(ApplySubscriptionFields(s, Assignment(c.asked), kBase, std::ref(gen)));
  }
}

TEST(SubscriptionFieldsTest, NoBaseUrlMeansNoUrlKeyAndDropsAnOldOne) {
  CountingTokens gen;
  kube::Json s = Secret();
  (void)ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen));
  EXPECT_TRUE(ApplySubscriptionFields(s, Assignment(), "", std::ref(gen)));
  EXPECT_FALSE(s["data"].contains("subscriptionUrl"));
  EXPECT_EQ(Data(s, "subscriptionToken"), "tok1");  // the token stays
}

TEST(SubscriptionFieldsTest, ANewBaseUrlRewritesTheUrlKeepingTheToken) {
  CountingTokens gen;
  kube::Json s = Secret();
  (void)ApplySubscriptionFields(s, Assignment(), kBase, std::ref(gen));
  EXPECT_TRUE(ApplySubscriptionFields(s, Assignment(), "https://other.example/s/", std::ref(gen)));
  EXPECT_EQ(Data(s, "subscriptionUrl"), "https://other.example/s/tok1");
}

TEST(SubscriptionFieldsTest, RealTokensAreLongUrlSafeAndDistinct) {
  kube::Json a = Secret(), b = Secret();
  (void)ApplySubscriptionFields(a, Assignment(), kBase, RandomToken);
  (void)ApplySubscriptionFields(b, Assignment(), kBase, RandomToken);
  const std::string ta = Data(a, "subscriptionToken");
  EXPECT_EQ(ta.size(), kSubscriptionTokenLength);
  EXPECT_EQ(ta.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_NE(ta, Data(b, "subscriptionToken"));
}

}  // namespace
}  // namespace x3ui::controller
