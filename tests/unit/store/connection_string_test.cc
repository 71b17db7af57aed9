#include "pkg/store/connection_string.h"

#include <gtest/gtest.h>

namespace x3ui::store {
namespace {

struct Case {
  const char* name;
  std::string dsn;
  std::string password;  // must never be printed, nor any part of it that names more than one char
  std::string described;
};

// Passwords with every character that breaks a naive parser, in both forms, and strings libpq
// refuses or reads as something else than the user meant.
const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"uri plain", "postgresql://x3ui:s3cret-pw@db:5432/x3ui?sslmode=require", "s3cret-pw",
       "host=db port=5432 dbname=x3ui user=x3ui"},
      {"uri question mark", "postgresql://x3ui:pa?ss-word@db/x3ui", "pa?ss-word", "host=db dbname=x3ui user=x3ui"},
      {"uri hash", "postgres://x3ui:pa#ss-word@db/x3ui", "pa#ss-word", "host=db dbname=x3ui user=x3ui"},
      {"uri hash and query", "postgresql://x3ui:p#w?x=1@db/x3ui?sslmode=disable", "p#w?x=1",
       "host=db dbname=x3ui user=x3ui"},
      {"uri encoded at", "postgresql://x3ui:p%40ssword@db/x3ui", "p@ssword", "host=db dbname=x3ui user=x3ui"},
      {"uri raw at", "postgresql://x3ui:p@ssword@db/x3ui", "p@ssword", kInvalidConnectionString},
      {"uri raw slash", "postgresql://x3ui:pass/word@db/x3ui", "pass/word", kInvalidConnectionString},
      {"uri raw slash and digits", "postgresql://x3ui:1234/word@db/x3ui", "1234/word", kInvalidConnectionString},
      {"uri space and quotes", "postgresql://x3ui:p a'ss\"wd@db/x3ui", "p a'ss\"wd", "host=db dbname=x3ui user=x3ui"},
      {"uri password in query", "postgresql://db/x3ui?user=a&password=qu3ry-secret", "qu3ry-secret",
       "host=db dbname=x3ui user=a"},
      {"uri bad percent", "postgresql://x3ui:secret%zz@db/x3ui", "secret%zz", kInvalidConnectionString},
      {"uri unknown parameter", "postgresql://x3ui:hunter2-pw@db/x3ui?hunter2-pw=1", "hunter2-pw",
       kInvalidConnectionString},
      {"kv plain", "host=db user=x3ui password=s3cret-kv dbname=x3ui", "s3cret-kv", "host=db dbname=x3ui user=x3ui"},
      {"kv quoted with space", "host=db password='s3 cret?#@/' dbname=x3ui", "s3 cret?#@/", "host=db dbname=x3ui"},
      {"kv escaped quote", R"(host=db password='it\'s-secret' user=u)", "it's-secret", "host=db user=u"},
      {"kv percent stays literal", "host=db password=p%40ss-kv", "p%40ss-kv", "host=db"},
      {"kv unterminated quote", "host=db password='never-closed", "never-closed", kInvalidConnectionString},
      {"kv unknown keyword", "host=db passwd=oops-secret", "oops-secret", kInvalidConnectionString},
      {"garbled", "secret-garble here we go", "secret-garble", kInvalidConnectionString},
      {"empty", "", "", "(libpq defaults)"},
  };
  return cases;
}

TEST(ConnectionStringTest, DescribeShowsHostPortDbnameUserOnly) {
  for (const Case& c : Cases()) {
    std::string d = DescribeConnectionString(c.dsn);
    EXPECT_EQ(d, c.described) << c.name;
    if (!c.password.empty()) {
      EXPECT_EQ(d.find(c.password), std::string::npos) << c.name << ": " << d;
    }
    EXPECT_EQ(d.find("password"), std::string::npos) << c.name;
  }
}

TEST(ConnectionStringTest, ParseErrorsQuoteNothingOfTheInput) {
  for (const Case& c : Cases()) {
    Result<ConnInfo> info = ParseConnectionString(c.dsn);
    if (info.ok()) {
      EXPECT_EQ(info->count("password") ? info->at("password") : "", c.password) << c.name;
      continue;
    }
    const std::string& m = info.status().message();
    EXPECT_EQ(m.rfind(kInvalidConnectionString, 0), 0u) << c.name << ": " << m;
    EXPECT_EQ(m.find(c.password), std::string::npos) << c.name << ": " << m;
    EXPECT_EQ(m.find("db"), std::string::npos) << c.name << ": " << m;
  }
}

TEST(ConnectionStringTest, FormatRoundTripsThroughLibpq) {
  for (const Case& c : Cases()) {
    Result<ConnInfo> info = ParseConnectionString(c.dsn);
    if (!info.ok()) continue;
    Result<ConnInfo> again = ParseConnectionString(FormatConnectionString(*info));
    ASSERT_TRUE(again.ok()) << c.name;
    EXPECT_EQ(*again, *info) << c.name;
  }
}

TEST(ConnectionStringTest, RedactPasswordCutsPlainAndEncodedForms) {
  ConnInfo info = {{"host", "db"}, {"password", "p@ss word"}};
  EXPECT_EQ(RedactPassword("auth failed for p@ss word and p%40ss%20word", info), "auth failed for *** and ***");
  EXPECT_EQ(RedactPassword("nothing to cut", {{"host", "db"}}), "nothing to cut");
}

}  // namespace
}  // namespace x3ui::store
