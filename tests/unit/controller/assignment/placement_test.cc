#include "controller/assignment/placement.h"

#include <gtest/gtest.h>

#include "pkg/api/conditions.h"

namespace x3ui::controller {
namespace {

using Kind = PlacementDecision::Kind;

balancer::NodeView Node(const char* name, int64_t users, int64_t max = 10, const char* evacuate = "") {
  balancer::NodeView v;
  v.name = name;
  v.users = users;
  v.max_users = max;
  v.evacuate_reason = evacuate;
  if (std::string(evacuate) == "NodeUnreachable") v.phase = api::kPhaseUnreachable;
  return v;
}

api::VpnAssignment User(const char* status_node, const char* pin = "", bool placed_true = true) {
  api::VpnAssignment a;
  a.metadata.namespace_ = "vpn";
  a.metadata.name = "alice";
  a.spec.node_name = pin;
  a.status.node_name = status_node;
  if (*status_node) {
    api::SetCondition(&a.status.conditions, api::MakeCondition(api::kPlaced, placed_true, "Balanced", "placed", 1), "t");
  }
  return a;
}

// One row: the nodes, the user, a new user's earlier choice and a migration's request, and the
// decision expected.
struct Row {
  const char* what;
  std::vector<balancer::NodeView> nodes;
  api::VpnAssignment user;
  std::optional<NewChoice> chosen;
  std::optional<std::string> requested;
  Kind kind;
  const char* node;
  const char* reason;
  const char* source;
  bool needs_slot;
  bool placed_is_news;
  bool request_fails;
};

TEST(DecidePlacementTest, Table) {
  const Row rows[] = {
      {"a new user goes to the emptiest node", {Node("a", 3), Node("b", 1)}, User(""), {}, {},
       Kind::kPlace, "b", "Balanced", "", false, true, false},
      {"a placed user stays (sticky), its Placed condition is no news", {Node("a", 3), Node("b", 1)}, User("a"), {}, {},
       Kind::kPlace, "a", "Sticky", "", false, false, false},
      {"a placed user whose Placed is False says so again", {Node("a", 3), Node("b", 1)}, User("a", "", false), {}, {},
       Kind::kPlace, "a", "Sticky", "", false, true, false},
      {"a dead node's user is rescued without a slot", {Node("a", 3, 10, "NodeUnreachable"), Node("b", 1)}, User("a"),
       {}, {}, Kind::kMove, "b", "NodeUnreachable", "a", false, false, false},
      {"a draining node's user needs a slot", {Node("a", 3, 10, "NodeDraining"), Node("b", 1)}, User("a"), {}, {},
       Kind::kMove, "b", "NodeDraining", "a", true, false, false},
      {"a migration's move is a VpnMigration move", {Node("a", 3), Node("b", 1), Node("c", 0)}, User("a"), {},
       std::string("b"), Kind::kMove, "b", "VpnMigration", "a", true, false, false},
      {"a migration to a full node fails; the user stays", {Node("a", 3), Node("b", 10)}, User("a"), {},
       std::string("b"), Kind::kPlace, "a", "Sticky", "", false, false, true},
      {"a new user keeps the node chosen before the batched add, and why", {Node("a", 3), Node("b", 1)}, User(""),
       NewChoice{"a", "Pinned", {}}, {}, Kind::kPlace, "a", "Pinned", "", false, true, false},
      {"a new user with nowhere to go is unschedulable", {Node("a", 10), Node("b", 10)}, User(""), {}, {},
       Kind::kUnschedulable, "", "", "", false, false, false},
      {"a placed user that must leave but cannot stays", {Node("a", 3, 10, "NodeDraining"), Node("b", 10)}, User("a"),
       {}, {}, Kind::kNoTarget, "a", "", "", false, false, false},
  };
  balancer::PlacementPolicy policy;
  for (const Row& r : rows) {
    PlacementInput in{"vpn/alice", &r.user, r.nodes, r.chosen ? &*r.chosen : nullptr, r.requested};
    PlacementDecision d = DecidePlacement(policy, in);
    EXPECT_EQ(d.kind, r.kind) << r.what;
    EXPECT_EQ(d.node, r.node) << r.what;
    EXPECT_EQ(d.reason, r.reason) << r.what;
    EXPECT_EQ(d.source, r.source) << r.what;
    EXPECT_EQ(d.needs_slot, r.needs_slot) << r.what;
    EXPECT_EQ(d.placed_is_news, r.placed_is_news) << r.what;
    EXPECT_EQ(!d.request_failure.empty(), r.request_fails) << r.what << ": " << d.request_failure;
    if (r.kind == Kind::kUnschedulable || r.kind == Kind::kNoTarget) {
      EXPECT_FALSE(d.why.empty()) << r.what;
    }
  }
}

TEST(DecidePlacementTest, AnUnschedulablePinNamesTheField) {
  api::VpnAssignment a = User("", "nosuch");
  PlacementInput in{"vpn/alice", &a, {Node("a", 0)}, nullptr, std::nullopt};
  PlacementDecision d = DecidePlacement(balancer::PlacementPolicy{}, in);
  EXPECT_EQ(d.kind, Kind::kUnschedulable);
  EXPECT_EQ(d.why.rfind("spec.nodeName: ", 0), 0u) << d.why;
}

}  // namespace
}  // namespace x3ui::controller
