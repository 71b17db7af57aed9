#include "pkg/api/manifest.h"

#include <gtest/gtest.h>

namespace x3ui::api {
namespace {

TEST(YamlToJsonTest, ResolvesScalarsLikeKubectl) {
  auto docs = YamlToJsonDocuments(R"(
int: 42
neg: -7
hex: 0x1F
float: 1.5
yes11: yes
off11: off
t: true
quoted: "42"
single: 'true'
tagged: !!str 10
null1: ~
null2:
str: fra-1.example.com
ver: 2.8.11
)", "t.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 1u);
  const Json& j = (*docs)[0];
  EXPECT_EQ(j["int"], 42);
  EXPECT_EQ(j["neg"], -7);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["float"], 1.5);
  EXPECT_EQ(j["yes11"], true);
  EXPECT_EQ(j["off11"], false);
  EXPECT_EQ(j["t"], true);
  EXPECT_EQ(j["quoted"], "42");
  EXPECT_EQ(j["single"], "true");
  EXPECT_EQ(j["tagged"], "10");
  EXPECT_TRUE(j["null1"].is_null());
  EXPECT_TRUE(j["null2"].is_null());
  EXPECT_EQ(j["str"], "fra-1.example.com");
  EXPECT_EQ(j["ver"], "2.8.11");
}

TEST(YamlToJsonTest, SyntaxErrorNamesFileAndLine) {
  auto docs = YamlToJsonDocuments("a: 1\nb: [1, 2\n", "broken.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find("broken.yaml: line "), std::string::npos) << docs.status().message();
}

TEST(YamlToJsonTest, StrayCommaIsAnErrorNotAHang) {
  // yaml-cpp 0.7's LoadAll loops forever here (its issue 1040); found by tests/fuzz.
  auto docs = YamlToJsonDocuments(",", "comma.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), "comma.yaml: line 1: not valid YAML (the parser cannot continue here)");
}

TEST(YamlToJsonTest, EmptyDocumentsKeepTheirPlaceAndAnchorsWork) {
  auto docs = YamlToJsonDocuments("a: &x {b: 1}\nc: *x\n---\n---\nd: [1, 2]\n", "s.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0]["c"]["b"], 1);
  EXPECT_TRUE((*docs)[1].is_null());
  EXPECT_EQ((*docs)[2]["d"][1], 2);
  EXPECT_FALSE(YamlToJsonDocuments("? [a]\n: 1\n", "k.yaml").ok()) << "complex keys are refused";
}

TEST(YamlToJsonTest, DuplicateKeyIsRefused) {
  auto docs = YamlToJsonDocuments("a: 1\nb: 2\na: 3\n", "dup.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), "dup.yaml: document 1: line 3: mapping key \"a\" already defined");
}

const char* kTwoDocs = R"(apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {username: admin}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: fra-1}
spec:
  panel: {url: "https://fra-1/", credentialsSecretRef: {name: creds}}
  publicHost: fra-1.example.com
  inbounds: [{name: reality, id: 1, protocol: vless}]
  capacity: {maxUsers: 0}
---
---
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: bob}
spec:
  user: {id: "7", email: bob}
)";

TEST(LoadManifestTest, BadDocumentNamesFileDocumentObjectAndField) {
  auto m = LoadManifest(kTwoDocs, "fleet.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "fleet.yaml: document 2 (VpnNode/fra-1): spec.capacity.maxUsers: must be at least 1");
  ASSERT_EQ(m.status().field_errors().size(), 1u);
  EXPECT_EQ(m.status().field_errors()[0].path, "spec.capacity.maxUsers");
}

TEST(LoadManifestTest, LoadsEveryKindAndKeepsOthers) {
  std::string fixed = kTwoDocs;
  fixed.replace(fixed.find("maxUsers: 0"), 11, "maxUsers: 9");
  auto m = LoadManifest(fixed, "fleet.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->nodes.size(), 1u);
  EXPECT_EQ(m->nodes[0].spec.capacity.max_users, 9);
  ASSERT_EQ(m->assignments.size(), 1u);
  EXPECT_EQ(m->assignments[0].spec.user.id, "7") << "a quoted number stays a string";
  ASSERT_EQ(m->others.size(), 1u);
  EXPECT_EQ(m->others[0]["kind"], "Secret");
}

TEST(LoadManifestTest, TypeErrorInYamlNamesField) {
  auto m = LoadManifest("apiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: a}\n"
                        "spec: {user: {id: x, email: x@example.com}, enabled: maybe}\n",
                        "a.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "a.yaml: document 1 (VpnAssignment/a): spec.enabled: must be a boolean");
}

TEST(LoadManifestTest, Yaml11BooleanInAStringFieldIsCaught) {
  // kubectl would send `email: y` as the boolean true; so do we, and say so.
  auto m = LoadManifest("apiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: a}\n"
                        "spec: {user: {id: x, email: y}}\n",
                        "y.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "y.yaml: document 1 (VpnAssignment/a): spec.user.email: must be a string");
}

TEST(LoadManifestTest, UnknownKindInGroupIsAnError) {
  auto m = LoadManifest("apiVersion: x3ui.io/v1alpha1\nkind: VpnPanel\nmetadata: {name: a}\n", "k.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "k.yaml: document 1 (VpnPanel/a): kind: must be VpnNode, VpnAssignment or VpnMigration");
}

TEST(LoadManifestTest, MissingFileIsNotFound) {
  auto m = LoadManifestFile("/nonexistent/x3ui.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace x3ui::api
