#include "pkg/common/strings.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(StringsTest, AsciiLowerAndEqualFoldAgree) {
  struct Case {
    const char* a;
    const char* b;
    bool equal;
  };
  for (const Case& c : {Case{"Alice@Example.COM", "alice@example.com", true}, Case{"", "", true},
                        Case{"alice", "alice ", false}, Case{"ALİCE", "alİce", true}, Case{"bob", "rob", false}}) {
    EXPECT_EQ(AsciiEqualFold(c.a, c.b), c.equal) << c.a << " vs " << c.b;
    EXPECT_EQ(AsciiLower(c.a) == AsciiLower(c.b), c.equal) << c.a << " vs " << c.b;
  }
}

TEST(StringsTest, SplitOnKeepsEmptyParts) {
  EXPECT_EQ(SplitOn("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(SplitOn("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitOn("a,", ','), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(TrimBlanks(" \t a b \t"), "a b");
  EXPECT_EQ(TrimBlanks("  "), "");
}

}  // namespace
}  // namespace x3ui
