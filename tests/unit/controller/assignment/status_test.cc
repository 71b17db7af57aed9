#include "controller/assignment/status.h"

#include <gtest/gtest.h>

#include "pkg/api/conditions.h"

namespace x3ui::controller {
namespace {

SyncOutcome Synced() {
  SyncOutcome o;
  o.synced = true;
  o.reason = "Synced";
  o.message = "client present on 1 inbound(s) of a";
  return o;
}

SyncOutcome Refused() {
  SyncOutcome o;
  o.reason = "PanelUnavailable";
  o.message = "no answer";
  return o;
}

std::string ReasonOf(const api::VpnAssignmentStatus& s, const char* type) {
  const api::Condition* c = api::FindCondition(s.conditions, type);
  return c ? c->reason : "";
}

TEST(AssignmentStatusTest, ApplySyncSetsPhaseReadyAndNodeName) {
  struct Row {
    const char* what;
    bool placed_true;
    std::string node_before;
    SyncOutcome out;
    const char* phase;
    const char* ready_reason;
    const char* node_after;
  };
  const Row rows[] = {
      {"placed and synced: Ready", true, "", Synced(), api::kPhaseReady, "Ready", "a"},
      {"synced, but it should leave and cannot: Placed", false, "a", Synced(), api::kPhasePlaced, "NoTarget", "a"},
      {"a new user whose panel fails: Pending", true, "", Refused(), api::kPhasePending, "PanelUnavailable", ""},
      {"a placed user whose panel fails: still Placed there", true, "a", Refused(), api::kPhasePlaced,
       "PanelUnavailable", "a"},
  };
  for (const Row& r : rows) {
    api::VpnAssignmentStatus next;
    next.node_name = r.node_before;
    StatusDraft d{&next, 3, "2026-12-02T00:00:00Z"};
    if (r.placed_true) MarkPlaced(d, "Balanced", "a");
    else MarkNoTarget(d, "nowhere");
    ApplySync(d, r.out, "a");
    EXPECT_EQ(next.phase, r.phase) << r.what;
    EXPECT_EQ(ReasonOf(next, api::kReady), r.ready_reason) << r.what;
    EXPECT_EQ(next.node_name, r.node_after) << r.what;
    EXPECT_EQ(api::IsConditionTrue(next.conditions, api::kSynced), r.out.synced) << r.what;
  }
}

TEST(AssignmentStatusTest, AMoveCountsOnceAndSaysFromWhere) {
  api::VpnAssignmentStatus next;
  StatusDraft d{&next, 1, "2026-12-02T00:00:00Z"};
  MarkMoved(d, "NodeDraining", "a", "b");
  EXPECT_EQ(next.migrations, 1);
  EXPECT_EQ(next.last_migration_time, "2026-12-02T00:00:00Z");
  EXPECT_EQ(api::FindCondition(next.conditions, api::kPlaced)->message, "moved from a to b");
  MarkMoveFailed(d, "NodeDraining", "a", "b", "refused");
  EXPECT_EQ(ReasonOf(next, api::kPlaced), "MoveFailed");
  EXPECT_EQ(api::FindCondition(next.conditions, api::kPlaced)->message,
            "NodeDraining: moving to b failed, still on a: refused");
}

TEST(AssignmentStatusTest, EventsOnTransitionsOnly) {
  const SyncOutcome synced = Synced();
  SyncOutcome repaired = Synced();
  repaired.repaired = 2;
  const SyncOutcome refused = Refused();
  api::Condition was_refused = api::MakeCondition(api::kSynced, false, "PanelUnavailable", "no answer", 1);
  struct Row {
    const char* what;
    PassFacts facts;
    std::vector<std::string> reasons;
  };
  const Row rows[] = {
      {"placed alone: Placed", {true, false, false, "a", "Balanced", &synced, nullptr}, {"Placed"}},
      {"placed through the batcher: none (one per batch, on the node)", {true, false, true, "a", "Balanced", &synced, nullptr}, {}},
      {"a repair: ClientRepaired", {false, false, false, "a", "", &repaired, nullptr}, {"ClientRepaired"}},
      {"a move's adds are no repair", {false, true, false, "a", "", &repaired, nullptr}, {}},
      {"steady: none", {false, false, false, "a", "", &synced, nullptr}, {}},
      {"a panel that starts failing: a Warning", {false, false, false, "a", "", &refused, nullptr}, {"PanelUnavailable"}},
      {"and keeps failing the same way: none", {false, false, false, "a", "", &refused, &was_refused}, {}},
  };
  for (const Row& r : rows) {
    std::vector<std::string> got;
    for (const TransitionEvent& e : TransitionEvents(r.facts)) got.push_back(e.reason);
    EXPECT_EQ(got, r.reasons) << r.what;
  }
}

}  // namespace
}  // namespace x3ui::controller
