#include "pkg/store/schema.h"

#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/store/test_database.h"

namespace x3ui::store {
namespace {

TEST(SchemaTest, FromEmptyToLatest) {
  testing::TestDatabase db;
  EXPECT_EQ(*SchemaVersion(db.dsn()), 0);
  ASSERT_TRUE(MigrateDatabase(db.dsn()).ok());
  EXPECT_EQ(*SchemaVersion(db.dsn()), LatestSchemaVersion());
  for (const char* table : {"vpn_nodes", "user_node_assignments", "pending_removals", "migration_journal"}) {
    auto r = db.Query(std::string("SELECT to_regclass('") + table + "') IS NOT NULL");
    EXPECT_TRUE(r[0][0].as<bool>()) << table;
  }
  ASSERT_TRUE(MigrateDatabase(db.dsn()).ok()) << "running again is a no-op";
  EXPECT_EQ(db.Query("SELECT count(*) FROM schema_migrations")[0][0].as<int>(), LatestSchemaVersion());
}

TEST(SchemaTest, FromEachEarlierVersionKeepsData) {
  for (int from = 1; from < LatestSchemaVersion(); ++from) {
    testing::TestDatabase db;
    ASSERT_TRUE(MigrateDatabase(db.dsn(), from).ok());
    EXPECT_EQ(*SchemaVersion(db.dsn()), from);
    db.Query(
        "INSERT INTO user_node_assignments (namespace, assignment, user_id, user_email, node) "
        "VALUES ('vpn', 'alice', '1', 'alice@example.com', 'n1')");
    ASSERT_TRUE(MigrateDatabase(db.dsn()).ok()) << "from version " << from;
    EXPECT_EQ(*SchemaVersion(db.dsn()), LatestSchemaVersion());
    auto r = db.Query("SELECT node FROM user_node_assignments WHERE assignment = 'alice' AND active");
    ASSERT_EQ(r.size(), 1u) << "from version " << from;
    EXPECT_EQ(r[0][0].as<std::string>(), "n1");
  }
}

TEST(SchemaTest, NewerSchemaIsRefused) {
  testing::TestDatabase db;
  ASSERT_TRUE(MigrateDatabase(db.dsn()).ok());
  db.Query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
  Status s = MigrateDatabase(db.dsn());
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("version 99, newer than this operator knows"), std::string::npos) << s.message();
}

TEST(SchemaTest, ReplicasMigratingTogetherDoNotRace) {
  testing::TestDatabase db;
  std::vector<std::thread> replicas;
  std::vector<Status> results(6);
  for (size_t i = 0; i < results.size(); ++i) {
    replicas.emplace_back([&, i] { results[i] = MigrateDatabase(db.dsn()); });
  }
  for (auto& t : replicas) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(db.Query("SELECT count(*) FROM schema_migrations")[0][0].as<int>(), LatestSchemaVersion());
}

TEST(SchemaTest, DatabaseEnforcesOneActivePlacementPerUser) {
  testing::TestDatabase db;
  ASSERT_TRUE(MigrateDatabase(db.dsn()).ok());
  const std::string insert =
      "INSERT INTO user_node_assignments (namespace, assignment, user_id, user_email, node) "
      "VALUES ('vpn', 'alice', '1', 'a@x', ";
  db.Query(insert + "'n1')");
  EXPECT_THROW(db.Query(insert + "'n2')"), pqxx::unique_violation) << "not only the code: the index refuses it";
  EXPECT_THROW(db.Query("UPDATE user_node_assignments SET active = false"), pqxx::check_violation)
      << "a released row must carry released_at";
}

TEST(SchemaTest, UnreachableDatabaseIsUnavailableWithoutThePassword) {
  Status s = MigrateDatabase("postgresql://x3ui:topsecret-pw@127.0.0.1:1/x3ui?connect_timeout=2");
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.message().find("topsecret-pw"), std::string::npos) << s.message();
  Status bad_password = MigrateDatabase(testing::WithDatabase(
      "postgresql://x3ui:wrong-secret-pw@" + [] {
        std::string dsn = testing::ReadEnvFile(std::getenv("X3UI_TEST_PG_ENV"), "DATABASE_URL");
        return dsn.substr(dsn.find('@') + 1, dsn.rfind('/') - dsn.find('@') - 1);
      }() + "/postgres",
      "postgres"));
  EXPECT_FALSE(bad_password.ok());
  EXPECT_EQ(bad_password.message().find("wrong-secret-pw"), std::string::npos) << bad_password.message();
}

}  // namespace
}  // namespace x3ui::store
