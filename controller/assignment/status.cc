#include "controller/assignment/status.h"

#include "pkg/api/conditions.h"
#include "pkg/api/reasons.h"

namespace x3ui::controller {
namespace {
void Set(const StatusDraft& s, const char* type, bool ok, const std::string& reason, const std::string& message) {
  api::SetCondition(&s.next->conditions, api::MakeCondition(type, ok, reason, message, s.gen), s.now);
}
}  // namespace

void MarkInvalidSpec(const StatusDraft& s, const std::string& message) {
  if (s.next->node_name.empty()) s.next->phase = api::kPhaseFailed;
  Set(s, api::kReady, false, api::kReasonInvalidSpec, message);
}

void MarkUnschedulable(const StatusDraft& s, const std::string& why) {
  s.next->phase = api::kPhasePending;
  Set(s, api::kPlaced, false, api::kReasonUnschedulable, why);
  Set(s, api::kReady, false, api::kReasonUnschedulable, why);
}

void MarkNoTarget(const StatusDraft& s, const std::string& why) { Set(s, api::kPlaced, false, api::kReasonNoTarget, why); }

void MarkPlaced(const StatusDraft& s, const std::string& reason, const std::string& node) {
  Set(s, api::kPlaced, true, reason, "placed on " + node);
}

void MarkSecretConflict(const StatusDraft& s, const std::string& message) {
  Set(s, api::kReady, false, api::kReasonSecretConflict, message);
}

void MarkMoved(const StatusDraft& s, const std::string& reason, const std::string& source, const std::string& node) {
  s.next->migrations += 1;
  s.next->last_migration_time = s.now;
  Set(s, api::kPlaced, true, reason, "moved from " + source + " to " + node);
}

void MarkMoveFailed(const StatusDraft& s, const std::string& reason, const std::string& source,
                    const std::string& node, const std::string& error) {
  Set(s, api::kPlaced, false, api::kReasonMoveFailed, reason + ": moving to " + node + " failed, still on " + source + ": " + error);
}

void ApplySync(const StatusDraft& s, const SyncOutcome& out, const std::string& node) {
  api::VpnAssignmentStatus& next = *s.next;
  if (out.synced) next.node_name = node;
  Set(s, api::kSynced, out.synced, out.reason, out.message);
  const bool ready = out.synced && api::IsConditionTrue(next.conditions, api::kPlaced);
  Set(s, api::kReady, ready, ready ? "Ready" : out.synced ? api::kReasonNoTarget : out.reason,
      ready ? "the user can connect through " + node : out.message);
  next.phase = ready || out.synced || !next.node_name.empty() ? (ready ? api::kPhaseReady : api::kPhasePlaced)
                                                               : api::kPhasePending;
}

std::vector<TransitionEvent> TransitionEvents(const PassFacts& f) {
  std::vector<TransitionEvent> events;
  const SyncOutcome& out = *f.out;
  if (f.newly_placed && out.synced && !f.batched) {
    events.push_back({"Normal", api::kReasonPlaced, "Place", "placed on " + f.node + " (" + f.placed_reason + ")"});
  } else if (out.repaired > 0 && out.synced && !f.moved) {
    events.push_back({"Normal", api::kReasonClientRepaired, "Repair",
                      std::to_string(out.repaired) + " client(s) added or updated on " + f.node});
  }
  if (!out.synced && (!f.was_synced || f.was_synced->reason != out.reason)) {
    events.push_back({"Warning", out.reason, "Sync", out.message});
  }
  return events;
}

}  // namespace x3ui::controller
