#include "pkg/health/node_health.h"

#include <gtest/gtest.h>

namespace x3ui::health {
namespace {

using namespace std::chrono_literals;

struct Case {
  const char* name;
  std::string probes;  // 'o' ok, 'x' failure, one per second
  std::string phases;  // the phase after each probe: P R D U
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

char Letter(Phase p) { return PhaseName(p)[0]; }

class NodeHealthTest : public ::testing::TestWithParam<Case> {};

TEST_P(NodeHealthTest, FollowsProbes) {
  NodeHealth h({.failure_threshold = 3, .success_threshold = 2, .failover_grace = 60s});
  TimePoint t{};
  std::string got;
  for (char c : GetParam().probes) {
    t += 1s;
    h.Observe(c == 'o', t);
    got += Letter(h.phase());
  }
  EXPECT_EQ(got, GetParam().phases);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NodeHealthTest,
    ::testing::Values(Case{"FirstSuccessIsReady", "o", "R"},
                      Case{"NeverAnsweredBecomesUnreachable", "xxx", "PPU"},
                      Case{"OneFailureDegrades", "ox", "RD"},
                      Case{"ThresholdFailuresUnreachable", "oxxx", "RDDU"},
                      Case{"OneSuccessDoesNotRestore", "oxo", "RDD"},
                      Case{"TwoSuccessesRestore", "oxoo", "RDDR"},
                      Case{"FlappingStaysDegraded", "oxoxoxo", "RDDDDDD"},
                      Case{"UnreachableNeedsTwoSuccesses", "oxxxoxoo", "RDDUUUUR"},
                      Case{"FailureResetsSuccessCount", "xxxoxo", "PPUUUU"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(NodeHealthGraceTest, EvacuateOnlyAfterTheGrace) {
  NodeHealth h({.failure_threshold = 2, .success_threshold = 1, .failover_grace = 30s});
  TimePoint t{};
  EXPECT_TRUE(h.Observe(true, t));
  EXPECT_FALSE(h.ShouldEvacuate(t));
  h.Observe(false, t + 1s);
  EXPECT_TRUE(h.Observe(false, t + 2s)) << "Unreachable";
  EXPECT_EQ(h.since(), t + 2s);
  EXPECT_FALSE(h.ShouldEvacuate(t + 31s));
  EXPECT_TRUE(h.ShouldEvacuate(t + 32s));
  EXPECT_EQ(h.EvacuateAt(), t + 32s);
  EXPECT_FALSE(h.Observe(false, t + 40s)) << "staying Unreachable is no change";
  EXPECT_EQ(h.since(), t + 2s) << "the grace counts from the transition";
  EXPECT_TRUE(h.Observe(true, t + 41s));
  EXPECT_FALSE(h.ShouldEvacuate(t + 100s)) << "recovered";
}

}  // namespace
}  // namespace x3ui::health
