#include "pkg/store/connection_defaults.h"

#include <gtest/gtest.h>

namespace x3ui::store {
namespace {

const char* NoEnv(const char*) { return nullptr; }

TEST(ConnectionDefaultsTest, EveryLimitIsAddedToABareString) {
  ConnInfo info = WithConnectionLimits({{"host", "db"}}, ConnectionLimits{}, NoEnv);
  EXPECT_EQ(info.at("connect_timeout"), "5");
  EXPECT_EQ(info.at("keepalives"), "1");
  EXPECT_EQ(info.at("keepalives_idle"), "30");
  EXPECT_EQ(info.at("keepalives_interval"), "10");
  EXPECT_EQ(info.at("keepalives_count"), "3");
  EXPECT_EQ(info.at("options"), "-c statement_timeout=10000");
  EXPECT_EQ(info.at("host"), "db");
}

TEST(ConnectionDefaultsTest, TheUsersSettingsWin) {
  ConnInfo theirs = {{"connect_timeout", "30"},       {"keepalives", "0"},
                     {"keepalives_idle", "7"},        {"options", "-c search_path=vpn -c statement_timeout=0"}};
  ConnInfo info = WithConnectionLimits(theirs, ConnectionLimits{}, NoEnv);
  EXPECT_EQ(info.at("connect_timeout"), "30");
  EXPECT_EQ(info.at("keepalives"), "0");
  EXPECT_EQ(info.at("keepalives_idle"), "7");
  EXPECT_EQ(info.at("options"), "-c search_path=vpn -c statement_timeout=0");
}

TEST(ConnectionDefaultsTest, OtherOptionsAreKeptAndOursAppended) {
  ConnInfo info = WithConnectionLimits({{"options", "-c search_path=vpn"}}, ConnectionLimits{}, NoEnv);
  EXPECT_EQ(info.at("options"), "-c search_path=vpn -c statement_timeout=10000");
}

TEST(ConnectionDefaultsTest, TheEnvironmentCountsAsTheUsers) {
  auto env = [](const char* name) -> const char* {
    if (std::string(name) == "PGCONNECT_TIMEOUT") return "60";
    if (std::string(name) == "PGOPTIONS") return "-c application_name=ops";
    return nullptr;
  };
  ConnInfo info = WithConnectionLimits({}, ConnectionLimits{}, env);
  EXPECT_EQ(info.count("connect_timeout"), 0u) << "libpq reads PGCONNECT_TIMEOUT itself";
  EXPECT_EQ(info.at("options"), "-c application_name=ops -c statement_timeout=10000")
      << "an options keyword replaces PGOPTIONS, so PGOPTIONS is carried over";
}

}  // namespace
}  // namespace x3ui::store
