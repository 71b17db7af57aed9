// The fleet console's node rows and its tiers, as tables of nodes in and rows out.
#include "controller/dashboard/fleet_view.h"

#include <gtest/gtest.h>

#include "tests/unit/controller/dashboard/fixtures.h"

namespace x3ui::controller::dashboard {
namespace {

using testing::Node;

TEST(FleetViewTest, RowsCarryStatusAndSpecButNoUrlPath) {
  api::VpnNode n = Node("fra-1", "Ready", 7, 10, 2, "eu");
  n.spec.weight = 3;
  n.status.latency_ms = 42;
  n.status.api_flavor = "classic-csrf";
  n.status.xray_version = "1.8.4";
  n.status.drift = {.missing = 1, .stale = 2, .extra = 3, .foreign = 4};
  const NodeRow row = RowOf(n);
  EXPECT_EQ(row.panel, "fra-1.example.com:2053");
  EXPECT_EQ(ToJson(row).dump().find("s3cr3tBasePath"), std::string::npos) << "the panel's base path is a secret";
  EXPECT_EQ(row.users, 7);
  EXPECT_EQ(row.capacity, 10);
  EXPECT_EQ(row.weight, 3);
  EXPECT_EQ(row.latency_ms, 42);
  EXPECT_EQ(row.flavor, "classic-csrf");
  EXPECT_EQ(row.xray_version, "1.8.4");
  EXPECT_EQ(row.drift_missing + row.drift_stale + row.drift_extra + row.drift_foreign, 10);
  EXPECT_TRUE(row.takes_users);
}

TEST(FleetViewTest, PhaseReasonAndWhetherANodeTakesUsers) {
  struct Case {
    const char* name;
    api::VpnNode node;
    const char* phase;
    const char* reason;
    bool takes_users;
  };
  api::VpnNode login_failed = Node("a", "Pending", 0, 10);
  login_failed.status.conditions.push_back({.type = "Ready", .status = "False", .reason = "LoginFailed"});
  api::VpnNode cordoned = Node("b", "Ready", 0, 10);
  cordoned.spec.unschedulable = true;
  api::VpnNode draining = Node("c", "Ready", 0, 10);
  draining.spec.drain = true;
  api::VpnNode deleting = Node("d", "Ready", 0, 10);
  deleting.metadata.deletion_timestamp = "2026-12-04T10:00:00Z";
  api::VpnNode ready = Node("e", "Ready", 0, 10);
  ready.status.conditions.push_back({.type = "Ready", .status = "True", .reason = "PanelReady"});
  const Case cases[] = {
      {"never probed", Node("x", "", 0, 10), "Unknown", "", false},
      {"refused login", login_failed, "Pending", "LoginFailed", false},
      {"unreachable", Node("u", "Unreachable", 3, 10), "Unreachable", "", false},
      {"cordoned", cordoned, "Ready", "", false},
      {"draining", draining, "Ready", "", false},
      {"deleting", deleting, "Ready", "", false},
      {"ready (no reason shown while True)", ready, "Ready", "", true},
  };
  for (const Case& c : cases) {
    const NodeRow row = RowOf(c.node);
    EXPECT_EQ(row.phase, c.phase) << c.name;
    EXPECT_EQ(row.ready_reason, c.reason) << c.name;
    EXPECT_EQ(row.takes_users, c.takes_users) << c.name;
  }
}

TEST(FleetViewTest, TiersHighestFirstWithFreeCapacityOfNodesTakingUsers) {
  const FleetView v = BuildFleetView({
      Node("low-1", "Ready", 5, 10, 0, "us"),
      Node("high-eu-1", "Ready", 8, 10, 5, "eu"),
      Node("high-eu-2", "Unreachable", 2, 10, 5, "eu"),  // counted, but no room on it
      Node("high-as-1", "Ready", 12, 10, 5, "as"),       // over capacity: no room, never negative
      Node("high-eu-3", "Ready", 1, 20, 5, "eu"),
  });
  ASSERT_EQ(v.tiers.size(), 2u);
  EXPECT_EQ(v.tiers[0].priority, 5);
  EXPECT_EQ(v.tiers[0].total.nodes, 4);
  EXPECT_EQ(v.tiers[0].total.ready, 3);
  EXPECT_EQ(v.tiers[0].total.users, 23);
  EXPECT_EQ(v.tiers[0].total.capacity, 50);
  EXPECT_EQ(v.tiers[0].total.free, 2 + 19);
  ASSERT_EQ(v.tiers[0].regions.size(), 2u);
  EXPECT_EQ(v.tiers[0].regions[0].region, "as");
  EXPECT_EQ(v.tiers[0].regions[0].total.free, 0);
  EXPECT_EQ(v.tiers[0].regions[1].region, "eu");
  EXPECT_EQ(v.tiers[0].regions[1].total.free, 21);
  EXPECT_EQ(v.tiers[1].priority, 0);
  EXPECT_EQ(v.tiers[1].total.free, 5);
  EXPECT_EQ(v.total.free, 26);
  EXPECT_EQ(v.total.nodes, 5);
  // Rows in the order the balancer fills: tier, then region, then name.
  std::vector<std::string> order;
  for (const NodeRow& r : v.nodes) order.push_back(r.name);
  EXPECT_EQ(order, (std::vector<std::string>{"high-as-1", "high-eu-1", "high-eu-2", "high-eu-3", "low-1"}));
}

TEST(FleetViewTest, EmptyFleet) {
  const FleetView v = BuildFleetView({});
  EXPECT_TRUE(v.nodes.empty());
  EXPECT_TRUE(v.tiers.empty());
  EXPECT_EQ(ToJson(v)["total"]["nodes"], 0);
}

}  // namespace
}  // namespace x3ui::controller::dashboard
