// File: controller/assignment/status.h
//
// A VpnAssignment's status as each step of a pass leaves it, and the Events and log lines its
// transitions call for: pure functions over the status being built (`next`), so that the one
// status write of a pass writes what these say. Conditions: Placed (where, and why), Synced
// (the panel holds the client), Ready (the user can connect). Phase: Pending until a node holds
// the user, Placed while it is placed but not Ready, Ready.
//
// Thread-safety: pure.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_STATUS_H_
#define X3UI_CONTROLLER_ASSIGNMENT_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "controller/assignment/client_sync.h"
#include "pkg/api/types.h"

namespace x3ui::controller {

// One status being built: `next`, at generation `gen`, stamped `now` (RFC 3339).
struct StatusDraft {
  api::VpnAssignmentStatus* next;
  int64_t gen;
  std::string now;
};

// A spec the schema could not catch: Ready=False InvalidSpec (`message` names the fields).
void MarkInvalidSpec(const StatusDraft& s, const std::string& message);
// Not placed and nowhere to go.
void MarkUnschedulable(const StatusDraft& s, const std::string& why);
// Placed, should leave, nowhere to go: stays.
void MarkNoTarget(const StatusDraft& s, const std::string& why);
void MarkPlaced(const StatusDraft& s, const std::string& reason, const std::string& node);
void MarkSecretConflict(const StatusDraft& s, const std::string& message);
// A move's clients are on the target; the status write that follows commits it.
void MarkMoved(const StatusDraft& s, const std::string& reason, const std::string& source, const std::string& node);
void MarkMoveFailed(const StatusDraft& s, const std::string& reason, const std::string& source,
                    const std::string& node, const std::string& error);
// What syncing the panel of `node` came to: Synced, Ready and the phase (and nodeName once the
// client is there).
void ApplySync(const StatusDraft& s, const SyncOutcome& out, const std::string& node);

// An Event (and its log line) that a pass's transition calls for.
struct TransitionEvent {
  const char* type;  // Normal or Warning
  std::string reason;
  const char* action;
  std::string note;
};
struct PassFacts {
  bool newly_placed = false;  // nodeName was empty before this pass
  bool moved = false;         // this pass committed a move
  bool batched = false;       // the clients came through the batcher (it records one Event per batch)
  std::string node;
  std::string placed_reason;
  const SyncOutcome* out = nullptr;
  const api::Condition* was_synced = nullptr;  // Synced as the pass found it
};
std::vector<TransitionEvent> TransitionEvents(const PassFacts& f);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_STATUS_H_
