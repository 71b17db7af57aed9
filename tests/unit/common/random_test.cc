#include "pkg/common/random.h"

#include <regex>
#include <set>

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(RandomTest, UuidV4ShapeAndUniqueness) {
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuidV4();
    ASSERT_TRUE(std::regex_match(u, kUuid)) << u;
    ASSERT_TRUE(seen.insert(u).second);
  }
}

TEST(RandomTest, TokensUseTheAlphabet) {
  std::string t = RandomToken(64);
  EXPECT_EQ(t.size(), 64u);
  EXPECT_TRUE(std::regex_match(t, std::regex("^[A-Za-z0-9]+$")));
  EXPECT_NE(RandomToken(16), RandomToken(16));
}

}  // namespace
}  // namespace x3ui
