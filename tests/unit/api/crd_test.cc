// The CRDs in crds/ are structural, carry the names and columns SPEC.md §2 asks for, and use
// exactly the patterns and defaults that pkg/api applies, so the API server and the operator
// judge a resource the same way.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "pkg/api/conditions.h"
#include "pkg/api/manifest.h"
#include "pkg/api/validation.h"

namespace x3ui::api {
namespace {

namespace fs = std::filesystem;

Json LoadCrd(const std::string& file) {
  fs::path p = fs::path(X3UI_SOURCE_DIR) / "crds" / file;
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  auto docs = YamlToJsonDocuments(ss.str(), p.string());
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  EXPECT_EQ(docs->size(), 1u);
  return (*docs)[0];
}

const Json& Schema(const Json& crd) { return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]; }

// Follows ".spec.capacity.maxUsers" through properties.
const Json* SchemaAt(const Json& schema, const std::string& json_path) {
  const Json* node = &schema;
  std::stringstream ss(json_path.substr(1));
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!node->contains("properties") || !(*node)["properties"].contains(part)) return nullptr;
    node = &(*node)["properties"][part];
  }
  return node;
}

// Structural-schema rules of apiextensions.k8s.io/v1, plus the keywords it forbids.
void CheckStructural(const Json& node, const std::string& path, bool in_junctor, std::vector<std::string>* problems) {
  if (!node.is_object()) return;
  bool exempt = node.value("x-kubernetes-preserve-unknown-fields", false) || node.value("x-kubernetes-int-or-string", false);
  if (!in_junctor && !exempt && !node.contains("type")) problems->push_back(path + ": no type");
  if (in_junctor) {
    for (const char* k : {"type", "description", "default", "additionalProperties", "nullable"}) {
      if (node.contains(k)) problems->push_back(path + ": " + k + " inside a junctor");
    }
  }
  for (const char* k : {"$ref", "patternProperties"}) {
    if (node.contains(k)) problems->push_back(path + ": forbidden " + k);
  }
  if (node.contains("additionalProperties") && node["additionalProperties"] == false) {
    problems->push_back(path + ": additionalProperties: false");
  }
  if (node.value("uniqueItems", false)) problems->push_back(path + ": uniqueItems");
  if (node.contains("properties")) {
    for (auto it = node["properties"].begin(); it != node["properties"].end(); ++it) {
      CheckStructural(it.value(), path + "." + it.key(), in_junctor, problems);
    }
  }
  if (node.contains("items")) CheckStructural(node["items"], path + "[]", in_junctor, problems);
  if (node.contains("additionalProperties") && node["additionalProperties"].is_object()) {
    CheckStructural(node["additionalProperties"], path + "{}", in_junctor, problems);
  }
  for (const char* j : {"anyOf", "allOf", "oneOf"}) {
    if (!node.contains(j)) continue;
    for (const auto& sub : node[j]) CheckStructural(sub, path + "." + j, true, problems);
  }
}

void CollectPatterns(const Json& node, std::vector<std::string>* out) {
  if (node.is_object()) {
    if (node.contains("pattern")) out->push_back(node["pattern"]);
    for (auto it = node.begin(); it != node.end(); ++it) CollectPatterns(it.value(), out);
  } else if (node.is_array()) {
    for (const auto& v : node) CollectPatterns(v, out);
  }
}

struct CrdCase {
  const char* file;
  const char* kind;
  const char* plural;
  const char* short_name;
  std::vector<std::string> columns;
};

// Keeps test names readable in CTest instead of a byte dump.
void PrintTo(const CrdCase& c, std::ostream* os) { *os << c.kind; }

class CrdTest : public ::testing::TestWithParam<CrdCase> {};

TEST_P(CrdTest, NamesScopeAndStatusSubresource) {
  const CrdCase& c = GetParam();
  Json crd = LoadCrd(c.file);
  EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd["metadata"]["name"], std::string(c.plural) + ".x3ui.io");
  EXPECT_EQ(crd["spec"]["group"], kGroup);
  EXPECT_EQ(crd["spec"]["scope"], "Namespaced");
  EXPECT_EQ(crd["spec"]["names"]["kind"], c.kind);
  EXPECT_EQ(crd["spec"]["names"]["plural"], c.plural);
  EXPECT_EQ(crd["spec"]["names"]["shortNames"], Json::array({c.short_name}));
  EXPECT_EQ(crd["spec"]["names"]["categories"], Json::array({"vpn"}));
  ASSERT_EQ(crd["spec"]["versions"].size(), 1u);
  const Json& v = crd["spec"]["versions"][0];
  EXPECT_EQ(v["name"], kVersion);
  EXPECT_TRUE(v["served"].get<bool>());
  EXPECT_TRUE(v["storage"].get<bool>());
  EXPECT_TRUE(v["subresources"]["status"].is_object());
}

TEST_P(CrdTest, SchemaIsStructural) {
  Json crd = LoadCrd(GetParam().file);
  std::vector<std::string> problems;
  CheckStructural(Schema(crd), "", false, &problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

TEST_P(CrdTest, PrinterColumnsPointAtDeclaredFields) {
  const CrdCase& c = GetParam();
  Json crd = LoadCrd(c.file);
  std::vector<std::string> names;
  for (const auto& col : crd["spec"]["versions"][0]["additionalPrinterColumns"]) {
    std::string path = col["jsonPath"];
    if (path != ".metadata.creationTimestamp") {
      EXPECT_NE(SchemaAt(Schema(crd), path), nullptr) << col["name"] << " -> " << path;
    }
    if (col.value("priority", 0) == 0) names.push_back(col["name"]);
  }
  EXPECT_EQ(names, c.columns);
}

TEST_P(CrdTest, EveryPatternIsOneThatPkgApiUses) {
  const std::set<std::string> known = {kDnsSubdomainPattern, kDnsLabelPattern,     kEmailPattern,
                                       kUserIdPattern,       kPanelUrlPattern,     kHostPattern,
                                       kLabelValuePattern,   kInboundTagPattern,   kConditionTypePattern,
                                       kConditionReasonPattern};
  Json crd = LoadCrd(GetParam().file);
  std::vector<std::string> patterns;
  CollectPatterns(Schema(crd), &patterns);
  EXPECT_FALSE(patterns.empty());
  for (const auto& p : patterns) {
    EXPECT_TRUE(known.count(p)) << "pattern not shared with pkg/api: " << p;
    EXPECT_NO_THROW(std::regex{p}) << p;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Crds, CrdTest,
    ::testing::Values(CrdCase{"x3ui.io_vpnnodes.yaml", "VpnNode", "vpnnodes", "vn",
                              {"Phase", "Users", "Capacity", "Priority", "Weight", "Region", "Age"}},
                      CrdCase{"x3ui.io_vpnassignments.yaml", "VpnAssignment", "vpnassignments", "va",
                              {"Node", "Phase", "User", "Age"}},
                      CrdCase{"x3ui.io_vpnmigrations.yaml", "VpnMigration", "vpnmigrations", "vmig",
                              {"Phase", "From", "To", "Migrated", "Failed", "Age"}}),
    [](const auto& info) { return std::string(info.param.kind); });

TEST(CrdFieldsTest, NodeSchemaMatchesValidation) {
  Json s = Schema(LoadCrd("x3ui.io_vpnnodes.yaml"));
  EXPECT_EQ((*SchemaAt(s, ".spec.panel.url"))["pattern"], kPanelUrlPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.publicHost"))["pattern"], kHostPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.region"))["pattern"], kDnsLabelPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.capacity.maxUsers"))["minimum"], 1);
  EXPECT_EQ((*SchemaAt(s, ".spec.capacity.maxUsers"))["maximum"], kMaxUsersLimit);
  EXPECT_EQ((*SchemaAt(s, ".spec.priority"))["maximum"], kMaxPriority);
  EXPECT_EQ((*SchemaAt(s, ".spec.weight"))["maximum"], kMaxWeight);
  EXPECT_EQ((*SchemaAt(s, ".spec.inbounds"))["maxItems"], kMaxInbounds);
  EXPECT_EQ((*SchemaAt(s, ".spec.inbounds"))["items"]["properties"]["protocol"]["enum"],
            Json::array({"vless", "vmess", "trojan", "shadowsocks"}));
  const Json& endpoint = (*SchemaAt(s, ".status.inbounds"))["items"]["properties"];
  EXPECT_EQ((*SchemaAt(s, ".status.inbounds"))["maxItems"], kMaxInbounds);
  for (const char* text : {"protocol", "remark", "address", "method"}) {
    EXPECT_EQ(endpoint[text]["maxLength"], kMaxEndpointTextLength) << text;
  }
  EXPECT_EQ(endpoint["port"]["maximum"], 65535);
  EXPECT_EQ(endpoint["params"]["maxProperties"], kMaxEndpointParams);
  EXPECT_EQ(endpoint["params"]["additionalProperties"]["maxLength"], kMaxEndpointParamLength);
  // Defaults the API server applies are the ones the C++ types start with.
  VpnNodeSpec spec;
  ProbeSpec probe;
  EXPECT_EQ((*SchemaAt(s, ".spec.weight"))["default"], spec.weight);
  EXPECT_EQ((*SchemaAt(s, ".spec.priority"))["default"], spec.priority);
  EXPECT_EQ((*SchemaAt(s, ".spec.panel.insecureSkipTLSVerify"))["default"], spec.panel.insecure_skip_tls_verify);
  EXPECT_EQ((*SchemaAt(s, ".spec.probe.intervalSeconds"))["default"], probe.interval_seconds);
  EXPECT_EQ((*SchemaAt(s, ".spec.probe.timeoutSeconds"))["default"], probe.timeout_seconds);
  EXPECT_EQ((*SchemaAt(s, ".spec.probe.failureThreshold"))["default"], probe.failure_threshold);
  EXPECT_EQ((*SchemaAt(s, ".spec.probe.successThreshold"))["default"], probe.success_threshold);
  Json phases = (*SchemaAt(s, ".status.phase"))["enum"];
  EXPECT_EQ(phases, Json::array({kPhasePending, kPhaseReady, kPhaseDegraded, kPhaseUnreachable, kPhaseDraining}));
}

TEST(CrdFieldsTest, AssignmentSchemaMatchesValidation) {
  Json s = Schema(LoadCrd("x3ui.io_vpnassignments.yaml"));
  EXPECT_EQ((*SchemaAt(s, ".spec.user.email"))["pattern"], kEmailPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.user.email"))["maxLength"], kMaxEmailLength);
  EXPECT_EQ((*SchemaAt(s, ".spec.user.id"))["pattern"], kUserIdPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.nodeName"))["pattern"], kDnsSubdomainPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.limits.expiryTime"))["format"], "date-time");
  EXPECT_EQ((*SchemaAt(s, ".spec.enabled"))["default"], VpnAssignmentSpec{}.enabled);
  Json phases = (*SchemaAt(s, ".status.phase"))["enum"];
  EXPECT_EQ(phases, Json::array({kPhasePending, kPhasePlaced, kPhaseMigrating, kPhaseReady, kPhaseFailed}));
}

TEST(CrdFieldsTest, MigrationSchemaMatchesValidation) {
  Json s = Schema(LoadCrd("x3ui.io_vpnmigrations.yaml"));
  EXPECT_EQ((*SchemaAt(s, ".spec.fromNode"))["pattern"], kDnsSubdomainPattern);
  EXPECT_EQ((*SchemaAt(s, ".spec.selector.matchExpressions"))["items"]["properties"]["operator"]["enum"],
            Json::array({"In", "NotIn", "Exists", "DoesNotExist"}));
  Json phases = (*SchemaAt(s, ".status.phase"))["enum"];
  EXPECT_EQ(phases, Json::array({kPhasePending, kPhasePlanned, kPhaseRunning, kPhaseSucceeded, kPhaseFailed}));
}

}  // namespace
}  // namespace x3ui::api
