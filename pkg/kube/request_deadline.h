// File: pkg/kube/request_deadline.h
//
// A deadline for the Kubernetes API requests one thread makes while a ScopedRequestDeadline is
// alive (Go's context deadline, for a client whose interface takes none). RestClient refuses to
// start a request past it and cancels one still running at it (DeadlineExceeded either way),
// whatever its own, longer, per-client timeout. Leader election bounds each renewal with it by
// the renew deadline. Scopes nest: the innermost one applies.
//
// Thread-safety: the deadline is per thread; a scope must end on the thread that opened it.
#ifndef X3UI_PKG_KUBE_REQUEST_DEADLINE_H_
#define X3UI_PKG_KUBE_REQUEST_DEADLINE_H_

#include <chrono>
#include <optional>

namespace x3ui::kube {

using SteadyTime = std::chrono::steady_clock::time_point;

class ScopedRequestDeadline {
 public:
  explicit ScopedRequestDeadline(SteadyTime deadline);
  ~ScopedRequestDeadline();
  ScopedRequestDeadline(const ScopedRequestDeadline&) = delete;
  ScopedRequestDeadline& operator=(const ScopedRequestDeadline&) = delete;

 private:
  std::optional<SteadyTime> outer_;
};

// The calling thread's request deadline, if a scope is open.
std::optional<SteadyTime> CurrentRequestDeadline();

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_REQUEST_DEADLINE_H_
