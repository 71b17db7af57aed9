// Test helpers for the ledger against real PostgreSQL servers started by hack/postgres.sh.
#ifndef X3UI_TESTS_INTEGRATION_STORE_TEST_DATABASE_H_
#define X3UI_TESTS_INTEGRATION_STORE_TEST_DATABASE_H_

#include <string>

#include <pqxx/pqxx>

#include "tests/support/env_file.h"

namespace x3ui::testing {

// `dsn` (a postgresql:// URI) pointing at database `db` instead.
std::string WithDatabase(const std::string& dsn, const std::string& db);

// A fresh, empty database in the shared test server (X3UI_TEST_PG_ENV names its env file),
// dropped again when the object goes away.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  const std::string& dsn() const { return dsn_; }
  // Runs one statement on this database and returns its rows.
  pqxx::result Query(const std::string& sql);

 private:
  std::string admin_dsn_;
  std::string name_;
  std::string dsn_;
};

// A PostgreSQL server of its own, in a temporary directory, for tests that stop and restart it.
class PrivateServer {
 public:
  PrivateServer();
  ~PrivateServer();
  const std::string& dsn() const { return dsn_; }
  void Stop();
  void Start();

 private:
  void Run(const std::string& command);
  std::string dir_;
  std::string dsn_;
};

}  // namespace x3ui::testing

#endif  // X3UI_TESTS_INTEGRATION_STORE_TEST_DATABASE_H_
