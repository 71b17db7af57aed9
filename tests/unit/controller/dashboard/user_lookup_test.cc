// The fleet console's user lookup: what matches, what a row says, the limit.
#include "controller/dashboard/user_lookup.h"

#include <gtest/gtest.h>

#include "tests/unit/controller/dashboard/fixtures.h"

namespace x3ui::controller::dashboard {
namespace {

using testing::Node;
using testing::User;

const TimePoint kNow = *ParseRfc3339("2026-12-04T12:00:00Z");

TEST(UserLookupTest, MatchesNameEmailOrIdIgnoringCase) {
  const std::vector<api::VpnAssignment> users = {User("alice", "fra-1", "Alice.Smith@Example.com"), User("bob", "fra-2"),
                                                 User("carol", "")};
  struct Case {
    const char* query;
    std::vector<std::string> names;
  };
  const Case cases[] = {
      {"alice", {"alice"}},
      {"  SMITH@example ", {"alice"}},   // trimmed, case-insensitive, part of the email
      {"id-bob", {"bob"}},               // the user id
      {"example.com", {"alice", "bob", "carol"}},
      {"", {}},                          // an empty query lists nobody
      {"   ", {}},
      {"zed", {}},
  };
  for (const Case& c : cases) {
    UserLookup got = FindUsers({.text = c.query}, {}, users, {}, kNow);
    std::vector<std::string> names;
    for (const UserRow& u : got.users) names.push_back(u.name);
    EXPECT_EQ(names, c.names) << "query \"" << c.query << "\"";
    EXPECT_EQ(got.matched, c.names.size()) << c.query;
  }
}

TEST(UserLookupTest, RowSaysNodePhaseConditionsMoveAndMigrations) {
  api::VpnAssignment alice = User("alice", "fra-2");
  alice.status.conditions = {{.type = "Ready", .status = "True", .reason = "Ready", .message = "the user can connect through fra-2"}};
  alice.status.migrations = 2;
  api::VpnMigration m;
  m.metadata.namespace_ = "vpn";
  m.metadata.name = "evacuate-fra-2";
  m.status.plan = {{.user = "alice", .from = "fra-2", .to = "fra-1"}};
  api::VpnMigration elsewhere = m;
  elsewhere.metadata.namespace_ = "other";  // the same name in another namespace is another user
  elsewhere.metadata.name = "other-ns";
  UserLookup got = FindUsers({.text = "alice"}, {Node("fra-2", "Unreachable", 1, 10)}, {alice}, {m, elsewhere}, kNow);
  ASSERT_EQ(got.users.size(), 1u);
  const UserRow& u = got.users[0];
  EXPECT_EQ(u.node, "fra-2");
  EXPECT_EQ(u.node_phase, "Unreachable");
  EXPECT_EQ(u.phase, "Ready");
  EXPECT_EQ(u.migrations, 2);
  ASSERT_EQ(u.conditions.size(), 1u);
  EXPECT_EQ(u.conditions[0].reason, "Ready");
  ASSERT_TRUE(u.move.has_value());
  EXPECT_EQ(u.move->reason, "NodeUnreachable");
  EXPECT_EQ(u.in_migrations, std::vector<std::string>{"evacuate-fra-2"});
  const api::Json j = ToJson(got);
  EXPECT_EQ(j["users"][0]["nodePhase"], "Unreachable");
  EXPECT_EQ(j["users"][0]["move"]["state"], "waiting");
}

TEST(UserLookupTest, LimitedButCounted) {
  std::vector<api::VpnAssignment> users;
  for (int i = 0; i < 120; ++i) users.push_back(User("user-" + std::to_string(i), "fra-1"));
  UserLookup got = FindUsers({.text = "user-", .limit = 50}, {}, users, {}, kNow);
  EXPECT_EQ(got.users.size(), 50u);
  EXPECT_EQ(got.matched, 120u);
  EXPECT_EQ(got.users[0].name, "user-0");  // by name
}

}  // namespace
}  // namespace x3ui::controller::dashboard
