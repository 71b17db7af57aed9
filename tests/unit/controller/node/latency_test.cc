#include "controller/node/latency.h"

#include <gtest/gtest.h>

#include <vector>

namespace x3ui::controller {
namespace {

using namespace std::chrono_literals;

TEST(LatencyBucketTest, OnlyLargeMovesAreWritten) {
  EXPECT_TRUE(LatencyWorthWriting(0, 2));
  EXPECT_FALSE(LatencyWorthWriting(2, 1));
  EXPECT_FALSE(LatencyWorthWriting(4, 32));
  EXPECT_TRUE(LatencyWorthWriting(4, 64));
  EXPECT_FALSE(LatencyWorthWriting(256, 128));
  EXPECT_FALSE(LatencyWorthWriting(64, 128)) << "neighbouring buckets under load";
  EXPECT_TRUE(LatencyWorthWriting(64, 256));
  EXPECT_TRUE(LatencyWorthWriting(1024, 128));
  EXPECT_FALSE(LatencyWorthWriting(256, 512)) << "a doubling is a neighbouring bucket too";
  EXPECT_TRUE(LatencyWorthWriting(256, 1024));
}

TEST(LatencyBucketTest, PowersOfTwo) {
  EXPECT_EQ(LatencyBucket(0ms), 0);
  EXPECT_EQ(LatencyBucket(1ms), 1);
  EXPECT_EQ(LatencyBucket(13ms), 8);
  EXPECT_EQ(LatencyBucket(16ms), 16);
  EXPECT_EQ(LatencyBucket(31ms), 16);
}

// The figure status.latencyMs reports after a run of probes: the bucket of the window's median,
// rewritten only when LatencyWorthWriting says so. Each row is one node's probe latencies.
int64_t Reported(const std::vector<int64_t>& probes, int* writes) {
  LatencyWindow window;
  int64_t reported = 0;
  *writes = 0;
  for (int64_t ms : probes) {
    window.Add(std::chrono::milliseconds(ms));
    if (int64_t b = LatencyBucket(window.Median()); LatencyWorthWriting(reported, b)) {
      reported = b;
      ++*writes;
    }
  }
  return reported;
}

TEST(LatencyWindowTest, OneOrTwoSlowProbesWriteNothing) {
  struct Row {
    const char* what;
    std::vector<int64_t> probes;
    int64_t reported;
    int writes;
  };
  const Row rows[] = {
      {"steady", {2, 2, 3, 2, 2, 2}, 2, 1},
      {"one slow probe (a busy machine)", {2, 2, 2, 2, 2, 200, 2, 2, 2}, 2, 1},
      {"two slow probes in a row", {2, 2, 2, 2, 2, 300, 400, 2, 2, 2}, 2, 1},
      {"a panel that became slow for good", {2, 2, 2, 2, 2, 400, 400, 400, 400, 400}, 256, 2},
      {"and recovered", {400, 400, 400, 400, 400, 2, 2, 2, 2, 2}, 2, 2},
  };
  for (const Row& r : rows) {
    int writes = 0;
    EXPECT_EQ(Reported(r.probes, &writes), r.reported) << r.what;
    EXPECT_EQ(writes, r.writes) << r.what;
  }
}

TEST(LatencyWindowTest, MedianOfWhatWasAdded) {
  LatencyWindow w;
  EXPECT_EQ(w.Median(), 0ms);
  w.Add(9ms);
  EXPECT_EQ(w.Median(), 9ms);
  w.Add(1ms);
  w.Add(5ms);
  EXPECT_EQ(w.Median(), 5ms);
  for (int i = 0; i < 5; ++i) w.Add(100ms);
  EXPECT_EQ(w.Median(), 100ms) << "only the last five count";
}

}  // namespace
}  // namespace x3ui::controller
