#include "pkg/common/url.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(UrlTest, EncodeAndDecode) {
  EXPECT_EQ(QueryEscape("a b/c?=&~"), "a+b%2Fc%3F%3D%26~");
  EXPECT_EQ(PercentEncode("b+x@example.com", "-._~@+"), "b+x@example.com");
  EXPECT_EQ(PercentEncode("ü", ""), "%C3%BC");
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4"), "a/b%zz%4") << "malformed escapes are kept";
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode(QueryEscape("x y/&="), true), "x y/&=");
}

}  // namespace
}  // namespace x3ui
