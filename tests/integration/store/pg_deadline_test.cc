// A database that stops answering in the middle of a session (through TcpProxy, whose frozen
// links swallow queries): a call returns DeadlineExceeded within its deadline instead of
// hanging, the next call reconnects, and a stalled call does not hold up other callers.
#include <future>

#include <gtest/gtest.h>

#include "pkg/store/connection_string.h"
#include "pkg/store/pg_ledger_store.h"
#include "tests/integration/store/tcp_proxy.h"
#include "tests/integration/store/test_database.h"

namespace x3ui::store {
namespace {

using namespace std::chrono_literals;

// `dsn` with host and port replaced by the proxy's.
std::string Through(const testing::TcpProxy& proxy, const std::string& dsn) {
  ConnInfo info = *ParseConnectionString(dsn);
  info["host"] = "127.0.0.1";
  info["port"] = std::to_string(proxy.port());
  return FormatConnectionString(info);
}

TEST(PgDeadlineTest, ACallOnAFrozenSessionReturnsAndTheNextReconnects) {
  testing::TestDatabase db;
  ConnInfo target = *ParseConnectionString(db.dsn());
  testing::TcpProxy proxy(target.at("host"), std::stoi(target.at("port")));
  PgOptions options;
  options.call_timeout = 2s;
  auto store = PgLedgerStore::Open(Through(proxy, db.dsn()), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->ActivePlacement("vpn", "u1").ok());

  proxy.FreezeOpenLinks();
  auto call = std::async(std::launch::async, [&] { return (*store)->ActivePlacement("vpn", "u1"); });
  const bool returned = call.wait_for(60s) == std::future_status::ready;  // generous: it must return at all
  EXPECT_TRUE(returned) << "a call on a database that stopped answering is still waiting";
  proxy.CloseFrozenLinks();  // ends a hanging call so that the test can finish
  auto r = call.get();
  if (!returned) return;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_TRUE(proxy.WaitForDroppedBytes(0ms)) << "the query reached the frozen link";

  auto again = (*store)->ActivePlacement("vpn", "u1");
  EXPECT_TRUE(again.ok()) << "a new session through a working link: " << again.status().ToString();
}

TEST(PgDeadlineTest, AStalledCallDoesNotHoldUpOtherCallers) {
  testing::TestDatabase db;
  ConnInfo target = *ParseConnectionString(db.dsn());
  testing::TcpProxy proxy(target.at("host"), std::stoi(target.at("port")));
  PgOptions options;
  options.call_timeout = 600s;  // the stalled call must not end on its own during the test
  auto store = PgLedgerStore::Open(Through(proxy, db.dsn()), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  proxy.FreezeOpenLinks();  // the one session Open left in the pool
  auto stalled = std::async(std::launch::async, [&] { return (*store)->ActivePlacement("vpn", "u1"); });
  ASSERT_TRUE(proxy.WaitForDroppedBytes(30s)) << "the first call never sent its query";

  auto other = std::async(std::launch::async, [&] { return (*store)->ActivePlacement("vpn", "u2"); });
  const bool answered = other.wait_for(30s) == std::future_status::ready;
  EXPECT_TRUE(answered) << "a second caller waits for the stalled one";
  EXPECT_EQ(stalled.wait_for(0s), std::future_status::timeout) << "the first call is still stalled";
  proxy.CloseFrozenLinks();
  EXPECT_FALSE(stalled.get().ok());
  auto r = other.get();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

// A database down when the operator starts: the store opens anyway, says why the schema is not
// applied, fails each call quickly, and applies the schema with the first call after the
// database answers.
TEST(PgDeadlineTest, AStoreOpenedDuringAnOutageAppliesTheSchemaWhenTheDatabaseAnswers) {
  testing::TestDatabase db;
  ConnInfo target = *ParseConnectionString(db.dsn());
  testing::TcpProxy proxy(target.at("host"), std::stoi(target.at("port")));
  proxy.SetRefusing(true);
  auto strict = PgLedgerStore::Open(Through(proxy, db.dsn()));
  EXPECT_FALSE(strict.ok()) << "Open still refuses an unreachable database";
  auto store = PgLedgerStore::OpenWhenReachable(Through(proxy, db.dsn()));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE((*store)->SchemaStatus().ok());
  auto during = (*store)->ActivePlacement("vpn", "u1");
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.status().code(), Status::Code::kUnavailable) << during.status().ToString();

  proxy.SetRefusing(false);
  auto after = (*store)->ActivePlacement("vpn", "u1");
  EXPECT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE((*store)->SchemaStatus().ok());
  EXPECT_TRUE((*store)->RecordPlacements({{"vpn", "u1", "id-1", "u1@example.com", "fra-1", "Test"}}).ok())
      << "the schema is there: the tables exist";
}

}  // namespace
}  // namespace x3ui::store
