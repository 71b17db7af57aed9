#include "pkg/common/token_bucket.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, BurstThenQps) {
  FakeClock clock(TimePoint{});
  TokenBucket b(5, 2, &clock);  // --kube-api-qps=5 --kube-api-burst=2
  EXPECT_EQ(b.Reserve(), 0ns);
  EXPECT_EQ(b.Reserve(), 0ns);
  EXPECT_EQ(b.Reserve(), 200ms) << "the third request waits one token at 5 qps";
  EXPECT_EQ(b.Reserve(), 400ms);
  clock.Advance(1000ms);  // pays the debt (600 ms) and earns 2 more, capped at the burst
  EXPECT_EQ(b.Reserve(), 0ns);
  EXPECT_EQ(b.Reserve(), 200ms - 200ms);
  EXPECT_EQ(b.Reserve(), 200ms);
}

}  // namespace
}  // namespace x3ui
