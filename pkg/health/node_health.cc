#include "pkg/health/node_health.h"

namespace x3ui::health {

const char* PhaseName(Phase p) {
  switch (p) {
    case Phase::kPending: return "Pending";
    case Phase::kReady: return "Ready";
    case Phase::kDegraded: return "Degraded";
    case Phase::kUnreachable: return "Unreachable";
  }
  return "Pending";
}

void NodeHealth::MoveTo(Phase p, TimePoint now) {
  phase_ = p;
  since_ = now;
}

bool NodeHealth::Observe(bool success, TimePoint now) {
  Phase before = phase_;
  if (success) {
    ++successes_;
    failures_ = 0;
    bool recovered = phase_ == Phase::kPending || successes_ >= policy_.success_threshold;
    if (phase_ != Phase::kReady && recovered) MoveTo(Phase::kReady, now);
  } else {
    ++failures_;
    successes_ = 0;
    if (failures_ >= policy_.failure_threshold) {
      if (phase_ != Phase::kUnreachable) MoveTo(Phase::kUnreachable, now);
    } else if (phase_ == Phase::kReady) {
      MoveTo(Phase::kDegraded, now);
    }
  }
  return phase_ != before;
}

bool NodeHealth::ShouldEvacuate(TimePoint now) const {
  return phase_ == Phase::kUnreachable && now - since_ >= policy_.failover_grace;
}

}  // namespace x3ui::health
