#include "pkg/common/clock.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

using namespace std::chrono;

TEST(Rfc3339Test, FormatsUtcSeconds) {
  TimePoint t = sys_days{year{2026} / 11 / 26} + hours{1} + minutes{2} + seconds{3} + milliseconds{999};
  EXPECT_EQ(FormatRfc3339(t), "2026-11-26T01:02:03Z");
}

TEST(Rfc3339Test, ParsesWhatItFormats) {
  TimePoint t = sys_days{year{2027} / 1 / 31};
  auto back = ParseRfc3339(FormatRfc3339(t));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, t);
}

TEST(Rfc3339Test, ParsesOffsetsAndFractions) {
  auto a = ParseRfc3339("2026-11-26T03:02:03.5+02:00");
  auto b = ParseRfc3339("2026-11-26T01:02:03.500Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST(Rfc3339Test, RejectsMalformed) {
  for (const char* s : {"", "tomorrow", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-26 01:02:03Z",
                        "2026-11-26T01:02:03", "2026-11-26T25:00:00Z", "2026-11-26T01:02:03Zjunk",
                        "2026-11-26T01:02:03.Z", "9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(s).has_value()) << s;
  }
}

TEST(FakeClockTest, AdvancesOnlyWhenTold) {
  FakeClock c(sys_days{year{2026} / 1 / 1});
  TimePoint t0 = c.Now();
  EXPECT_EQ(c.Now(), t0);
  c.Advance(milliseconds{1500});
  EXPECT_EQ(c.Now() - t0, milliseconds{1500});
}

}  // namespace
}  // namespace x3ui
