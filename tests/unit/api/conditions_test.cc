#include "pkg/api/conditions.h"

#include <gtest/gtest.h>

namespace x3ui::api {
namespace {

Condition Ready(const char* status, const char* reason, int64_t gen = 1) {
  return Condition{.type = kReady, .status = status, .observed_generation = gen, .reason = reason,
                   .message = std::string("because ") + reason};
}

TEST(SetConditionTest, NewConditionGetsNow) {
  std::vector<Condition> cs;
  EXPECT_TRUE(SetCondition(&cs, Ready(kConditionTrue, "Placed"), "T1"));
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].last_transition_time, "T1");
}

struct Case {
  const char* name;
  Condition next;
  bool want_changed;
  const char* want_time;
};

// Keeps test names readable in CTest instead of a byte dump.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class SetConditionTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(SetConditionTableTest, TransitionTimeMovesOnlyWithStatus) {
  std::vector<Condition> cs;
  SetCondition(&cs, Ready(kConditionTrue, "Placed"), "T1");
  const Case& c = GetParam();
  EXPECT_EQ(SetCondition(&cs, c.next, "T2"), c.want_changed);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].last_transition_time, c.want_time);
  EXPECT_EQ(cs[0].reason, c.next.reason);
  EXPECT_EQ(cs[0].observed_generation, c.next.observed_generation);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SetConditionTableTest,
    ::testing::Values(Case{"Identical", Ready(kConditionTrue, "Placed"), false, "T1"},
                      Case{"NewReasonSameStatus", Ready(kConditionTrue, "Synced"), true, "T1"},
                      Case{"NewGenerationSameStatus", Ready(kConditionTrue, "Placed", 2), true, "T1"},
                      Case{"StatusFlips", Ready(kConditionFalse, "PanelDown"), true, "T2"},
                      Case{"ToUnknown", Ready(kConditionUnknown, "Probing"), true, "T2"}),
    [](const auto& info) { return info.param.name; });

TEST(SetConditionTest, CallerSuppliedTimeIsIgnoredWhenStatusUnchanged) {
  std::vector<Condition> cs;
  SetCondition(&cs, Ready(kConditionTrue, "Placed"), "T1");
  Condition c = Ready(kConditionTrue, "Placed");
  c.last_transition_time = "bogus";
  EXPECT_FALSE(SetCondition(&cs, c, "T2"));
  EXPECT_EQ(cs[0].last_transition_time, "T1");
}

TEST(SetConditionTest, OtherTypesUntouched) {
  std::vector<Condition> cs;
  SetCondition(&cs, Ready(kConditionTrue, "Placed"), "T1");
  Condition synced{.type = kSynced, .status = kConditionFalse, .reason = "Pending", .message = ""};
  EXPECT_TRUE(SetCondition(&cs, synced, "T2"));
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(FindCondition(cs, kReady)->last_transition_time, "T1");
  EXPECT_TRUE(IsConditionTrue(cs, kReady));
  EXPECT_FALSE(IsConditionTrue(cs, kSynced));
  EXPECT_FALSE(IsConditionTrue(cs, kPlaced));
  EXPECT_TRUE(RemoveCondition(&cs, kSynced));
  EXPECT_FALSE(RemoveCondition(&cs, kSynced));
  EXPECT_EQ(FindCondition(cs, kSynced), nullptr);
}

TEST(ValidateConditionTest, EnforcesMetav1Rules) {
  EXPECT_TRUE(ValidateCondition(Ready(kConditionTrue, "Placed"), "c").empty());
  Condition bad{.type = "not ready", .status = "true", .observed_generation = -1, .reason = "1Bad"};
  FieldErrors errs = ValidateCondition(bad, "status.conditions[0]");
  std::vector<std::string> paths;
  for (const auto& e : errs) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"status.conditions[0].type", "status.conditions[0].status",
                                             "status.conditions[0].reason", "status.conditions[0].observedGeneration"}));
}

}  // namespace
}  // namespace x3ui::api
