#include "pkg/api/json.h"

#include <gtest/gtest.h>

namespace x3ui::api {
namespace {

// A VpnNode as the API server would serve it, with fields this version does not know at every
// level (managedFields, spec.futureKnob, panel.proxy, inbounds[0].sniff, status.futureStat...).
const char* kNodeJson = R"({
  "apiVersion": "x3ui.io/v1alpha1", "kind": "VpnNode",
  "metadata": {"name": "fra-1", "namespace": "vpn", "uid": "1b2c", "resourceVersion": "42", "generation": 3,
               "creationTimestamp": "2026-11-26T00:00:00Z", "labels": {"tier": "gold"},
               "annotations": {"note": "x"}, "finalizers": ["x3ui.io/finalizer"],
               "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
  "spec": {"panel": {"url": "https://fra-1.example.com:2053/AbC/", "credentialsSecretRef": {"name": "fra-1-creds"},
                     "insecureSkipTLSVerify": false, "proxy": "socks5://future"},
           "publicHost": "fra-1.example.com",
           "inbounds": [{"name": "reality", "id": 1, "protocol": "vless", "sniff": true},
                        {"name": "ws", "tag": "inbound-8443", "protocol": "trojan"}],
           "capacity": {"maxUsers": 500, "burst": 10}, "priority": 10, "weight": 2, "region": "eu",
           "labels": {"isp": "hetzner"}, "unschedulable": false, "drain": false,
           "probe": {"intervalSeconds": 30, "timeoutSeconds": 10, "failureThreshold": 3, "successThreshold": 2},
           "futureKnob": {"a": [1, 2, 3]}},
  "status": {"phase": "Ready",
             "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3,
                             "lastTransitionTime": "2026-11-26T00:01:00Z", "reason": "ProbeSucceeded",
                             "message": "panel answers", "severity": "Info"}],
             "users": 120, "capacity": 500, "latencyMs": 12, "panelVersion": "2.8.11", "apiFlavor": "classic",
             "xrayVersion": "26.2.6", "drift": {"missing": 0, "stale": 1, "extra": 0, "foreign": 4},
             "lastTransitionTime": "2026-11-26T00:01:00Z", "observedGeneration": 3, "futureStat": 7}
})";

const char* kAssignmentJson = R"({
  "apiVersion": "x3ui.io/v1alpha1", "kind": "VpnAssignment",
  "metadata": {"name": "alice", "namespace": "vpn", "ownerReferences": [{"apiVersion": "shop.example.com/v1",
               "kind": "Order", "name": "o-1", "uid": "u-1", "controller": true, "blockOwnerDeletion": false, "x": 1}]},
  "spec": {"user": {"id": "u-1001", "email": "alice@example.com", "tgId": 5}, "inbounds": ["reality"],
           "nodeName": "fra-1", "nodeSelector": {"region": "eu", "labels": {"isp": "hetzner"}},
           "limits": {"totalBytes": 53687091200, "expiryTime": "2027-01-31T00:00:00Z", "ipLimit": 2, "reset": 30},
           "enabled": true, "plan": "gold"},
  "status": {"nodeName": "fra-1", "phase": "Ready", "credentialsSecretName": "alice-vpn", "migrations": 1,
             "lastMigrationTime": "2026-11-26T00:02:00Z", "observedGeneration": 1}
})";

const char* kMigrationJson = R"({
  "apiVersion": "x3ui.io/v1alpha1", "kind": "VpnMigration",
  "metadata": {"name": "evacuate-fra-2", "namespace": "vpn"},
  "spec": {"fromNode": "fra-2", "toNode": "", "selector": {"matchLabels": {"plan": "gold"},
           "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]},
           "maxUsers": 100, "maxConcurrent": 10, "dryRun": true},
  "status": {"phase": "Planned", "plan": [{"user": "vpn/alice", "from": "fra-2", "to": "fra-1", "reason": "VpnMigration"}],
             "migrated": 0, "failed": 0, "observedGeneration": 1}
})";

TEST(JsonTest, NodeRoundTripKeepsEveryField) {
  Json in = Json::parse(kNodeJson);
  Result<VpnNode> n = DecodeVpnNode(in);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->metadata.name, "fra-1");
  EXPECT_EQ(n->metadata.generation, 3);
  EXPECT_EQ(n->spec.capacity.max_users, 500);
  ASSERT_EQ(n->spec.inbounds.size(), 2u);
  EXPECT_EQ(n->spec.inbounds[0].id, 1);
  EXPECT_EQ(n->spec.inbounds[1].tag, "inbound-8443");
  EXPECT_FALSE(n->spec.inbounds[1].id.has_value());
  EXPECT_EQ(n->status.drift.foreign, 4);
  EXPECT_EQ(n->status.conditions.at(0).reason, "ProbeSucceeded");
  EXPECT_EQ(Encode(*n), in);
}

TEST(JsonTest, AssignmentRoundTripKeepsEveryField) {
  Json in = Json::parse(kAssignmentJson);
  Result<VpnAssignment> a = DecodeVpnAssignment(in);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->spec.user.email, "alice@example.com");
  EXPECT_EQ(a->spec.limits.total_bytes, 53687091200);
  EXPECT_TRUE(a->metadata.owner_references.at(0).controller);
  EXPECT_EQ(Encode(*a), in);
}

TEST(JsonTest, MigrationRoundTripKeepsEveryField) {
  Json in = Json::parse(kMigrationJson);
  Result<VpnMigration> m = DecodeVpnMigration(in);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(m->spec.selector.has_value());
  EXPECT_EQ(m->spec.selector->match_expressions.at(0).op, "In");
  EXPECT_EQ(m->status.plan.at(0).to, "fra-1");
  // toNode "" is omitted on the way out, like Go's omitempty; everything else survives.
  Json want = in;
  want["spec"].erase("toNode");
  EXPECT_EQ(Encode(*m), want);
}

TEST(JsonTest, ReadModifyWriteKeepsUnknownFields) {
  Result<VpnNode> n = DecodeVpnNode(Json::parse(kNodeJson));
  ASSERT_TRUE(n.ok());
  n->status.users = 121;
  n->spec.unschedulable = true;
  Json out = Encode(*n);
  EXPECT_EQ(out["status"]["users"], 121);
  EXPECT_EQ(out["spec"]["unschedulable"], true);
  EXPECT_EQ(out["metadata"]["managedFields"][0]["manager"], "kubectl");
  EXPECT_EQ(out["spec"]["futureKnob"]["a"][2], 3);
  EXPECT_EQ(out["spec"]["panel"]["proxy"], "socks5://future");
  EXPECT_EQ(out["spec"]["inbounds"][0]["sniff"], true);
  EXPECT_EQ(out["spec"]["capacity"]["burst"], 10);
  EXPECT_EQ(out["status"]["conditions"][0]["severity"], "Info");
  EXPECT_EQ(out["status"]["futureStat"], 7);
}

TEST(JsonTest, DefaultsApplyWhenFieldsAreAbsent) {
  Result<VpnAssignment> a = DecodeVpnAssignment(Json::parse(R"({"metadata":{"name":"x"},"spec":{"user":{"id":"1"}}})"));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->spec.enabled);
  Result<VpnNode> n = DecodeVpnNode(Json::parse(R"({"metadata":{"name":"x"},"spec":{}})"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->spec.weight, 1);
  EXPECT_FALSE(n->spec.probe.has_value());
}

struct TypeErrorCase {
  const char* name;
  const char* json;
  FieldErrors want;
};

// Keeps test names readable in CTest instead of a byte dump.
void PrintTo(const TypeErrorCase& c, std::ostream* os) { *os << c.name; }

class NodeTypeErrorTest : public ::testing::TestWithParam<TypeErrorCase> {};

TEST_P(NodeTypeErrorTest, NamesTheField) {
  Result<VpnNode> n = DecodeVpnNode(Json::parse(GetParam().json));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(n.status().field_errors(), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeTypeErrorTest,
    ::testing::Values(
        TypeErrorCase{"MaxUsersString", R"({"spec":{"capacity":{"maxUsers":"ten"}}})",
                      {{"spec.capacity.maxUsers", "must be an integer"}}},
        TypeErrorCase{"WeightFloat", R"({"spec":{"weight":1.5}})", {{"spec.weight", "must be an integer"}}},
        TypeErrorCase{"InboundsObject", R"({"spec":{"inbounds":{"name":"x"}}})", {{"spec.inbounds", "must be an array"}}},
        TypeErrorCase{"InboundIdString", R"({"spec":{"inbounds":[{"name":"a"},{"id":"1"}]}})",
                      {{"spec.inbounds[1].id", "must be an integer"}}},
        TypeErrorCase{"PanelString", R"({"spec":{"panel":"https://x"}})", {{"spec.panel", "must be an object"}}},
        TypeErrorCase{"LabelsNumber", R"({"spec":{"labels":{"a":1}}})", {{"spec.labels.a", "must be a string"}}},
        TypeErrorCase{"WrongKind", R"({"apiVersion":"x3ui.io/v1alpha1","kind":"VpnAssignment"})",
                      {{"kind", "must be VpnNode"}}},
        TypeErrorCase{"WrongVersion", R"({"apiVersion":"x3ui.io/v1","kind":"VpnNode"})",
                      {{"apiVersion", "must be x3ui.io/v1alpha1"}}},
        TypeErrorCase{"Several", R"({"metadata":{"generation":"1"},"spec":{"drain":"yes","priority":null}})",
                      {{"metadata.generation", "must be an integer"}, {"spec.drain", "must be a boolean"}}}),
    [](const auto& info) { return info.param.name; });

TEST(JsonTest, NonObjectIsAnErrorNotACrash) {
  for (const char* s : {"null", "[]", "\"VpnNode\"", "42"}) {
    Result<VpnNode> n = DecodeVpnNode(Json::parse(s));
    EXPECT_FALSE(n.ok()) << s;
  }
}

TEST(JsonTest, ConditionAlwaysCarriesRequiredFields) {
  Condition c{.type = "Ready", .status = "Unknown"};
  Json j = Encode(c);
  for (const char* k : {"type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  Result<Condition> back = DecodeCondition(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
}

}  // namespace
}  // namespace x3ui::api
