// Every format's body for one fixed user (fixture.h), compared byte for byte with
// tests/testdata/subscription/<format>.golden, so that a change to any output shows in review.
// After an intended change, regenerate them and read the diff:
//
//   X3UI_UPDATE_GOLDEN=1 build/tests/unit/subscription_test --gtest_filter='*SubscriptionGolden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pkg/subscription/render.h"
#include "tests/unit/subscription/fixture.h"

namespace x3ui::subscription {
namespace {

std::filesystem::path GoldenPath(Format f) {
  return std::filesystem::path(X3UI_SOURCE_DIR) / "tests/testdata/subscription" / (std::string(FormatName(f)) + ".golden");
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SubscriptionGoldenTest : public ::testing::TestWithParam<Format> {};

TEST_P(SubscriptionGoldenTest, BodyMatches) {
  const std::string body = Render(testing::FixedUser(), GetParam(), {}).body;
  const std::filesystem::path path = GoldenPath(GetParam());
  if (std::getenv("X3UI_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << body;
    GTEST_SKIP() << "rewrote " << path;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: regenerate it (see this file's header)";
  EXPECT_EQ(body, ReadFile(path)) << "regenerate with X3UI_UPDATE_GOLDEN=1 if the change is intended";
}

INSTANTIATE_TEST_SUITE_P(AllFormats, SubscriptionGoldenTest,
                         ::testing::Values(Format::kBase64, Format::kClash, Format::kSingbox, Format::kXray,
                                           Format::kInfo, Format::kHtml),
                         [](const ::testing::TestParamInfo<Format>& i) { return std::string(FormatName(i.param)); });

}  // namespace
}  // namespace x3ui::subscription
