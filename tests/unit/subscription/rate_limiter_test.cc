#include "pkg/subscription/rate_limiter.h"

#include <gtest/gtest.h>

namespace x3ui::subscription {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, BurstThenRetryAfterThenRefill) {
  RateLimiter rl(/*per_second=*/0.5, /*burst=*/3);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  EXPECT_EQ(rl.Take("1.2.3.4", t0), 0);
  EXPECT_EQ(rl.Take("1.2.3.4", t0), 0);
  EXPECT_EQ(rl.Take("1.2.3.4", t0), 0);
  EXPECT_EQ(rl.Take("1.2.3.4", t0), 2);          // one token takes 2 s at 0.5/s
  EXPECT_EQ(rl.Take("5.6.7.8", t0), 0);          // per IP
  EXPECT_EQ(rl.Take("1.2.3.4", t0 + 1s), 1);     // half a token back
  EXPECT_EQ(rl.Take("1.2.3.4", t0 + 2s), 0);
}

TEST(RateLimiterTest, IdleBucketsAreDroppedAndStartFull) {
  RateLimiter rl(1, 2);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  EXPECT_EQ(rl.Take("a", t0), 0);
  EXPECT_EQ(rl.Take("a", t0), 0);
  EXPECT_GT(rl.Take("a", t0), 0);
  EXPECT_EQ(rl.Take("a", t0 + 120s), 0);
  EXPECT_EQ(rl.Take("a", t0 + 120s), 0);
}

}  // namespace
}  // namespace x3ui::subscription
