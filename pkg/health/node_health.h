// File: pkg/health/node_health.h
//
// NodeHealth: the health state machine of one VpnNode, fed one probe result at a time
// (SPEC.md §1, "Health"). Consecutive failures move a node Ready → Degraded (first failure) →
// Unreachable (failure_threshold failures); consecutive successes bring it back to Ready
// (success_threshold of them), so one good probe does not undo an outage. A node that has never
// answered is Pending until its first success, or Unreachable after failure_threshold failures.
// An Unreachable node gets no new users; once it has been Unreachable for failover_grace its
// users must leave (ShouldEvacuate).
//
// Thread-safety: none; one reconciler owns each node's state.
#ifndef X3UI_PKG_HEALTH_NODE_HEALTH_H_
#define X3UI_PKG_HEALTH_NODE_HEALTH_H_

#include <chrono>
#include <string>

#include "pkg/common/clock.h"

namespace x3ui::health {

struct HealthPolicy {
  int failure_threshold = 3;
  int success_threshold = 2;
  std::chrono::milliseconds failover_grace{60000};
};

enum class Phase { kPending, kReady, kDegraded, kUnreachable };

// The VpnNode status.phase spelling: Pending, Ready, Degraded, Unreachable.
const char* PhaseName(Phase p);

class NodeHealth {
 public:
  explicit NodeHealth(HealthPolicy policy) : policy_(policy) {}

  // Records a probe outcome observed at `now`. Returns true when the phase changed.
  bool Observe(bool success, TimePoint now);

  Phase phase() const { return phase_; }
  // When the phase last changed (the construction time is the epoch until then).
  TimePoint since() const { return since_; }
  int consecutive_failures() const { return failures_; }
  int consecutive_successes() const { return successes_; }
  // True once the node has been Unreachable for at least the failover grace.
  bool ShouldEvacuate(TimePoint now) const;
  // When ShouldEvacuate will first become true (meaningful while Unreachable).
  TimePoint EvacuateAt() const { return since_ + policy_.failover_grace; }

 private:
  void MoveTo(Phase p, TimePoint now);

  const HealthPolicy policy_;
  Phase phase_ = Phase::kPending;
  TimePoint since_{};
  int failures_ = 0;
  int successes_ = 0;
};

}  // namespace x3ui::health

#endif  // X3UI_PKG_HEALTH_NODE_HEALTH_H_
