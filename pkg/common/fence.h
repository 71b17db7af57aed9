// File: pkg/common/fence.h
//
// Fence: whether this process may act on the outside world now. It is open until a deadline on
// the steady clock, so a holder that is paused (SIGSTOP, a long GC-like stall, a starved thread)
// loses the right at the deadline by itself: nobody has to run to close it. Leader election
// opens it after each successful renewal until the renew deadline; the panel transports refuse
// to send while it is shut.
//
// Thread-safety: all methods may be called concurrently (one atomic).
#ifndef X3UI_PKG_COMMON_FENCE_H_
#define X3UI_PKG_COMMON_FENCE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace x3ui {

class Fence {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Shut until opened.
  Fence() = default;
  Fence(const Fence&) = delete;
  Fence& operator=(const Fence&) = delete;

  // Open until `until` (replacing any earlier deadline, later or not).
  void OpenUntil(SteadyTime until) { until_ns_.store(until.time_since_epoch().count()); }
  // Open for good (no leader election).
  void OpenForever() { until_ns_.store(std::numeric_limits<int64_t>::max()); }
  void Shut() { until_ns_.store(std::numeric_limits<int64_t>::min()); }

  bool IsOpen() const { return std::chrono::steady_clock::now().time_since_epoch().count() < until_ns_.load(); }
  // When it shuts (the far past when shut, the far future when open for good).
  SteadyTime open_until() const { return SteadyTime(SteadyTime::duration(until_ns_.load())); }

 private:
  std::atomic<int64_t> until_ns_{std::numeric_limits<int64_t>::min()};
};

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_FENCE_H_
