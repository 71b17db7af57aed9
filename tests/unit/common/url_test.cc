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

TEST(UrlHostPortTest, KeepsHostAndPortOnly) {
  struct Case {
    const char* url;
    const char* host_port;
  };
  for (const Case& c : {Case{"https://panel.example.com:2053/k3m9x2p7q1w8e5r4x/", "panel.example.com:2053"},
                        Case{"http://admin:hunter2@10.0.0.5:54321/base", "10.0.0.5:54321"},
                        Case{"http://[::1]:8080/", "[::1]:8080"}, Case{"https://host?x=1", "host"},
                        Case{"host:1/path", "host:1"}, Case{"", ""}}) {
    EXPECT_EQ(UrlHostPort(c.url), c.host_port) << c.url;
  }
}

}  // namespace
}  // namespace x3ui
