#include "pkg/kube/request_deadline.h"

namespace x3ui::kube {
namespace {
thread_local std::optional<SteadyTime> current_deadline;
}  // namespace

ScopedRequestDeadline::ScopedRequestDeadline(SteadyTime deadline) : outer_(current_deadline) {
  current_deadline = deadline;
}

ScopedRequestDeadline::~ScopedRequestDeadline() { current_deadline = outer_; }

std::optional<SteadyTime> CurrentRequestDeadline() { return current_deadline; }

}  // namespace x3ui::kube
