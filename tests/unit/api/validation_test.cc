#include "pkg/api/validation.h"

#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace x3ui::api {
namespace {

VpnNode ValidNode() {
  VpnNode n;
  n.metadata.name = "fra-1";
  n.spec.panel.url = "https://fra-1.example.com:2053/AbCdEf/";
  n.spec.panel.credentials_secret_ref.name = "fra-1-panel";
  n.spec.public_host = "fra-1.example.com";
  n.spec.inbounds = {InboundRef{.name = "reality", .id = 1, .protocol = "vless"}};
  n.spec.capacity.max_users = 500;
  n.spec.priority = 10;
  n.spec.weight = 2;
  n.spec.region = "eu";
  return n;
}

VpnAssignment ValidAssignment() {
  VpnAssignment a;
  a.metadata.name = "alice";
  a.spec.user = {.id = "u-1001", .email = "alice+vpn@example.com"};
  return a;
}

VpnMigration ValidMigration() {
  VpnMigration m;
  m.metadata.name = "evacuate";
  m.spec.from_node = "fra-2";
  return m;
}

template <typename T>
struct Case {
  const char* name;
  std::function<void(T&)> mutate;
  FieldErrors want;
};

// Keeps test names readable in CTest instead of a byte dump.
template <typename T>
void PrintTo(const Case<T>& c, std::ostream* os) {
  *os << c.name;
}

using NodeCase = Case<VpnNode>;
class NodeValidationTest : public ::testing::TestWithParam<NodeCase> {};

TEST(NodeValidationTest, ValidNodeHasNoErrors) { EXPECT_TRUE(ValidateVpnNode(ValidNode()).empty()); }

TEST_P(NodeValidationTest, ReportsFieldAndMessage) {
  VpnNode n = ValidNode();
  GetParam().mutate(n);
  EXPECT_EQ(ValidateVpnNode(n), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeValidationTest,
    ::testing::Values(
        NodeCase{"MaxUsersZero", [](VpnNode& n) { n.spec.capacity.max_users = 0; },
                 {{"spec.capacity.maxUsers", "must be at least 1"}}},
        NodeCase{"UrlNotHttp", [](VpnNode& n) { n.spec.panel.url = "ftp://fra-1/"; },
                 {{"spec.panel.url", "must be an http(s) URL without credentials, query or fragment"}}},
        NodeCase{"UrlWithCredentials", [](VpnNode& n) { n.spec.panel.url = "https://admin:pw@fra-1/"; },
                 {{"spec.panel.url", "must be an http(s) URL without credentials, query or fragment"}}},
        NodeCase{"UrlWithSpace", [](VpnNode& n) { n.spec.panel.url = "https://fra-1/a b/"; },
                 {{"spec.panel.url", "must be an http(s) URL without credentials, query or fragment"}}},
        NodeCase{"NoUrl", [](VpnNode& n) { n.spec.panel.url = ""; }, {{"spec.panel.url", "is required"}}},
        NodeCase{"NoSecret", [](VpnNode& n) { n.spec.panel.credentials_secret_ref.name = ""; },
                 {{"spec.panel.credentialsSecretRef.name", "is required"}}},
        NodeCase{"CaSecretWithoutName", [](VpnNode& n) { n.spec.panel.ca_secret_ref = SecretKeySelector{}; },
                 {{"spec.panel.caSecretRef.name", "is required"}}},
        NodeCase{"PublicHostWithScheme", [](VpnNode& n) { n.spec.public_host = "https://fra-1.example.com"; },
                 {{"spec.publicHost", "must be a host name or an IP address, without scheme or port"}}},
        NodeCase{"PublicHostIpv6", [](VpnNode& n) { n.spec.public_host = "[2001:db8::1]"; }, {}},
        NodeCase{"NoInbounds", [](VpnNode& n) { n.spec.inbounds.clear(); },
                 {{"spec.inbounds", "must list at least one inbound"}}},
        NodeCase{"InboundWithoutIdOrTag", [](VpnNode& n) { n.spec.inbounds[0].id.reset(); },
                 {{"spec.inbounds[0]", "must set id or tag"}}},
        NodeCase{"DuplicateInboundName",
                 [](VpnNode& n) { n.spec.inbounds.push_back({.name = "reality", .tag = "inbound-8443", .protocol = "trojan"}); },
                 {{"spec.inbounds[1].name", "duplicate inbound name reality"}}},
        NodeCase{"DuplicateInboundId",
                 [](VpnNode& n) { n.spec.inbounds.push_back({.name = "other", .id = 1, .protocol = "vless"}); },
                 {{"spec.inbounds[1].id", "duplicate inbound id"}}},
        NodeCase{"BadProtocol", [](VpnNode& n) { n.spec.inbounds[0].protocol = "wireguard"; },
                 {{"spec.inbounds[0].protocol", "must be one of vless, vmess, trojan, shadowsocks"}}},
        NodeCase{"InboundIdZero", [](VpnNode& n) { n.spec.inbounds[0].id = 0; },
                 {{"spec.inbounds[0].id", "must be at least 1"}}},
        NodeCase{"TagWithSlash", [](VpnNode& n) { n.spec.inbounds[0].tag = "a/b"; },
                 {{"spec.inbounds[0].tag", "must not contain '/' or whitespace, at most 256 characters"}}},
        NodeCase{"WeightZero", [](VpnNode& n) { n.spec.weight = 0; }, {{"spec.weight", "must be at least 1"}}},
        NodeCase{"PriorityTooHigh", [](VpnNode& n) { n.spec.priority = 1001; },
                 {{"spec.priority", "must be at most 1000"}}},
        NodeCase{"RegionUpper", [](VpnNode& n) { n.spec.region = "EU"; },
                 {{"spec.region", "must be a lower-case DNS label (a-z, 0-9 and '-'), at most 63 characters"}}},
        NodeCase{"BadLabelKey", [](VpnNode& n) { n.spec.labels["bad key"] = "x"; },
                 {{"spec.labels",
                   "key \"bad key\" must be a label key: [prefix/]name, name at most 63 of A-Z a-z 0-9 - _ ."}}},
        NodeCase{"PrefixedLabelKeyOk", [](VpnNode& n) { n.spec.labels["x3ui.io/isp"] = "hetzner"; }, {}},
        NodeCase{"BadLabelValue", [](VpnNode& n) { n.spec.labels["isp"] = "-x"; },
                 {{"spec.labels.isp", "must be a label value: at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends"}}},
        NodeCase{"ProbeTimeoutNotBelowInterval",
                 [](VpnNode& n) { n.spec.probe = ProbeSpec{.interval_seconds = 10, .timeout_seconds = 10}; },
                 {{"spec.probe.timeoutSeconds", "must be less than spec.probe.intervalSeconds"}}},
        NodeCase{"BadName", [](VpnNode& n) { n.metadata.name = "Fra_1"; },
                 {{"metadata.name", "must be a lower-case DNS name (a-z, 0-9, '-' and '.'), at most 253 characters"}}},
        NodeCase{"SeveralAtOnce",
                 [](VpnNode& n) {
                   n.spec.capacity.max_users = -5;
                   n.spec.weight = 5000;
                 },
                 {{"spec.capacity.maxUsers", "must be at least 1"}, {"spec.weight", "must be at most 1000"}}}),
    [](const auto& info) { return info.param.name; });

using AssignmentCase = Case<VpnAssignment>;
class AssignmentValidationTest : public ::testing::TestWithParam<AssignmentCase> {};

TEST(AssignmentValidationTest, ValidAssignmentHasNoErrors) {
  EXPECT_TRUE(ValidateVpnAssignment(ValidAssignment()).empty());
}

TEST_P(AssignmentValidationTest, ReportsFieldAndMessage) {
  VpnAssignment a = ValidAssignment();
  GetParam().mutate(a);
  EXPECT_EQ(ValidateVpnAssignment(a), GetParam().want);
}

const char* kEmailMsg = "may contain only letters, digits and . _ - @ +, at most 128 characters";

INSTANTIATE_TEST_SUITE_P(
    Cases, AssignmentValidationTest,
    ::testing::Values(
        AssignmentCase{"EmailSlash", [](VpnAssignment& a) { a.spec.user.email = "a/b@example.com"; },
                       {{"spec.user.email", kEmailMsg}}},
        AssignmentCase{"EmailSpace", [](VpnAssignment& a) { a.spec.user.email = "bob smith"; },
                       {{"spec.user.email", kEmailMsg}}},
        AssignmentCase{"EmailControl", [](VpnAssignment& a) { a.spec.user.email = "bob\n"; },
                       {{"spec.user.email", kEmailMsg}}},
        AssignmentCase{"EmailPercent", [](VpnAssignment& a) { a.spec.user.email = "bob%2F"; },
                       {{"spec.user.email", kEmailMsg}}},
        AssignmentCase{"EmailTooLong", [](VpnAssignment& a) { a.spec.user.email = std::string(129, 'a'); },
                       {{"spec.user.email", kEmailMsg}}},
        AssignmentCase{"NoUser", [](VpnAssignment& a) { a.spec.user = {}; },
                       {{"spec.user.id", "is required"}, {"spec.user.email", "is required"}}},
        AssignmentCase{"DuplicateInbound", [](VpnAssignment& a) { a.spec.inbounds = {"reality", "reality"}; },
                       {{"spec.inbounds[1]", "duplicate inbound name reality"}}},
        AssignmentCase{"NodeNameUpper", [](VpnAssignment& a) { a.spec.node_name = "FRA-1"; },
                       {{"spec.nodeName", "must be a lower-case DNS name (a-z, 0-9, '-' and '.'), at most 253 characters"}}},
        AssignmentCase{"NegativeBytes", [](VpnAssignment& a) { a.spec.limits.total_bytes = -1; },
                       {{"spec.limits.totalBytes", "must be at least 0"}}},
        AssignmentCase{"ExpiryNotATime", [](VpnAssignment& a) { a.spec.limits.expiry_time = "tomorrow"; },
                       {{"spec.limits.expiryTime", "must be an RFC 3339 time such as 2027-01-31T00:00:00Z"}}},
        AssignmentCase{"ExpiryOk", [](VpnAssignment& a) { a.spec.limits.expiry_time = "2027-01-31T00:00:00+03:00"; }, {}},
        AssignmentCase{"DuplicateCondition",
                       [](VpnAssignment& a) {
                         Condition c{.type = "Ready", .status = "True", .reason = "Ok"};
                         a.status.conditions = {c, c};
                       },
                       {{"status.conditions[1].type", "duplicate condition type Ready"}}}),
    [](const auto& info) { return info.param.name; });

using MigrationCase = Case<VpnMigration>;
class MigrationValidationTest : public ::testing::TestWithParam<MigrationCase> {};

TEST(MigrationValidationTest, ValidMigrationHasNoErrors) { EXPECT_TRUE(ValidateVpnMigration(ValidMigration()).empty()); }

TEST_P(MigrationValidationTest, ReportsFieldAndMessage) {
  VpnMigration m = ValidMigration();
  GetParam().mutate(m);
  EXPECT_EQ(ValidateVpnMigration(m), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MigrationValidationTest,
    ::testing::Values(
        MigrationCase{"SameNode", [](VpnMigration& m) { m.spec.to_node = "fra-2"; },
                      {{"spec.toNode", "must differ from spec.fromNode"}}},
        MigrationCase{"NoScope", [](VpnMigration& m) { m.spec.from_node = ""; },
                      {{"spec", "must set fromNode or a non-empty selector, so that not every user is moved by accident"}}},
        MigrationCase{"SelectorOnly",
                      [](VpnMigration& m) {
                        m.spec.from_node = "";
                        m.spec.selector = LabelSelector{.match_labels = {{"plan", "gold"}}};
                      },
                      {}},
        MigrationCase{"BadOperator",
                      [](VpnMigration& m) { m.spec.selector = LabelSelector{.match_expressions = {{.key = "a", .op = "Maybe"}}}; },
                      {{"spec.selector.matchExpressions[0].operator", "must be one of In, NotIn, Exists, DoesNotExist"}}},
        MigrationCase{"InWithoutValues",
                      [](VpnMigration& m) { m.spec.selector = LabelSelector{.match_expressions = {{.key = "a", .op = "In"}}}; },
                      {{"spec.selector.matchExpressions[0].values", "must be non-empty for operator In"}}},
        MigrationCase{"NegativeMax", [](VpnMigration& m) { m.spec.max_users = -1; },
                      {{"spec.maxUsers", "must be at least 0"}}}),
    [](const auto& info) { return info.param.name; });

TEST(LabelSelectorTest, MatchesLikeKubernetes) {
  StringMap labels{{"plan", "gold"}, {"tier", "a"}};
  auto sel = [](StringMap match, std::vector<LabelSelectorRequirement> exprs = {}) {
    return LabelSelector{.match_labels = std::move(match), .match_expressions = std::move(exprs)};
  };
  EXPECT_TRUE(sel({}).Matches(labels));
  EXPECT_TRUE(sel({{"plan", "gold"}}).Matches(labels));
  EXPECT_FALSE(sel({{"plan", "free"}}).Matches(labels));
  EXPECT_TRUE(sel({}, {{.key = "tier", .op = "In", .values = {"a", "b"}}}).Matches(labels));
  EXPECT_FALSE(sel({}, {{.key = "tier", .op = "NotIn", .values = {"a"}}}).Matches(labels));
  EXPECT_TRUE(sel({}, {{.key = "x", .op = "DoesNotExist"}}).Matches(labels));
  EXPECT_FALSE(sel({}, {{.key = "x", .op = "Exists"}}).Matches(labels));
}

// The bounds of a published endpoint are the CRD schema's (status.inbounds); text from a panel
// beyond them is not published rather than refused by the API server with the whole status.
TEST(EndpointFitsStatusTest, BoundsOfTheStatusSchema) {
  const InboundEndpoint ok{.name = "r", .protocol = "vless", .address = "h", .port = 443, .params = {{"type", "tcp"}}};
  EXPECT_TRUE(EndpointFitsStatus(ok));
  struct Row {
    const char* what;
    std::function<void(InboundEndpoint&)> change;
    bool fits;
  };
  const std::vector<Row> rows = {
      {"port 0", [](InboundEndpoint& e) { e.port = 0; }, false},
      {"port 65536", [](InboundEndpoint& e) { e.port = 65536; }, false},
      {"port 65535", [](InboundEndpoint& e) { e.port = 65535; }, true},
      {"no address", [](InboundEndpoint& e) { e.address.clear(); }, false},
      {"long remark", [](InboundEndpoint& e) { e.remark.assign(kMaxEndpointTextLength + 1, 'r'); }, false},
      {"remark at the bound", [](InboundEndpoint& e) { e.remark.assign(kMaxEndpointTextLength, 'r'); }, true},
      {"long param", [](InboundEndpoint& e) { e.params["pqv"].assign(kMaxEndpointParamLength + 1, 'p'); }, false},
      {"param at the bound", [](InboundEndpoint& e) { e.params["pqv"].assign(kMaxEndpointParamLength, 'p'); }, true},
      {"too many params",
       [](InboundEndpoint& e) {
         for (size_t i = 0; i < kMaxEndpointParams; ++i) e.params["k" + std::to_string(i)] = "v";
       },
       false},
  };
  for (const Row& r : rows) {
    InboundEndpoint e = ok;
    r.change(e);
    EXPECT_EQ(EndpointFitsStatus(e), r.fits) << r.what;
  }
}

}  // namespace
}  // namespace x3ui::api
