#include "pkg/store/connection_string.h"

#include <gtest/gtest.h>

namespace x3ui::store {
namespace {

TEST(RedactTest, PasswordNeverShown) {
  EXPECT_EQ(RedactConnectionString("postgres://x3ui:s3cret@db:5432/x3ui?sslmode=require"),
            "postgres://x3ui:***@db:5432/x3ui?sslmode=require");
  EXPECT_EQ(RedactConnectionString("host=db user=x3ui password=s3cret dbname=x3ui"),
            "host=db user=x3ui password=*** dbname=x3ui");
  EXPECT_EQ(RedactConnectionString("host=db password='s3 cret' dbname=x3ui"), "host=db password=*** dbname=x3ui");
  EXPECT_EQ(RedactConnectionString("postgresql://db/x3ui?user=a&password=s3cret&x=1"),
            "postgresql://db/x3ui?user=a&password=***&x=1");
  EXPECT_EQ(RedactConnectionString("postgres://x3ui@db/x3ui"), "postgres://x3ui@db/x3ui");
  EXPECT_EQ(RedactConnectionString("connecting to postgresql://u:pw@h/d failed"),
            "connecting to postgresql://u:***@h/d failed");
}

}  // namespace
}  // namespace x3ui::store
