#include "tests/integration/store/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace x3ui::testing {

std::string WithDatabase(const std::string& dsn, const std::string& db) {
  return dsn.substr(0, dsn.rfind('/') + 1) + db;
}

namespace {

std::string SharedServerDsn() {
  const char* env = std::getenv("X3UI_TEST_PG_ENV");
  if (env == nullptr) throw std::runtime_error("X3UI_TEST_PG_ENV is not set; run through ctest");
  std::string dsn = ReadEnvFile(env, "DATABASE_URL");
  if (dsn.empty()) throw std::runtime_error(std::string("no DATABASE_URL in ") + env);
  return dsn;
}

}  // namespace

TestDatabase::TestDatabase() : admin_dsn_(SharedServerDsn()) {
  static std::atomic<int> counter{0};
  name_ = "x3ui_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pqxx::connection c(admin_dsn_);
  pqxx::nontransaction w(c);
  w.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  w.exec("CREATE DATABASE " + name_);
  dsn_ = WithDatabase(admin_dsn_, name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection c(admin_dsn_);
    pqxx::nontransaction w(c);
    w.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The server is going away with the fixture anyway.
  }
}

pqxx::result TestDatabase::Query(const std::string& sql) {
  pqxx::connection c(dsn_);
  pqxx::nontransaction w(c);
  return w.exec(sql);
}

PrivateServer::PrivateServer() {
  char tmpl[] = "/tmp/x3ui-pg-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  if (d == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = d;
  Start();
  dsn_ = ReadEnvFile(dir_ + "/env", "DATABASE_URL");
}

PrivateServer::~PrivateServer() {
  Run("destroy");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void PrivateServer::Run(const std::string& command) {
  std::string cmd = std::string(X3UI_SOURCE_DIR) + "/hack/postgres.sh " + command + " " + dir_ + " >/dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

void PrivateServer::Stop() { Run("stop"); }
void PrivateServer::Start() { Run("start"); }

}  // namespace x3ui::testing
