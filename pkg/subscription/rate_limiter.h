// File: pkg/subscription/rate_limiter.h
//
// A token bucket per client IP: `burst` requests at once, refilled at `per_second`. A refused
// request is told how many whole seconds to wait (Retry-After). Buckets idle long enough to be
// full again are dropped on the way, so a flood from many addresses does not grow it forever.
//
// Ownership: owns its buckets. Thread-safety: Take is safe concurrently (a mutex). The time is
// passed in, so the decisions are table-testable.
#ifndef X3UI_PKG_SUBSCRIPTION_RATE_LIMITER_H_
#define X3UI_PKG_SUBSCRIPTION_RATE_LIMITER_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace x3ui::subscription {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // 0 when `ip` may be served now, else the seconds to wait (at least 1).
  int Take(const std::string& ip, TimePoint now);

 private:
  struct Bucket {
    double tokens;
    TimePoint last;
  };
  void DropFullBuckets(TimePoint now);

  const double per_second_;
  const double burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  TimePoint last_sweep_{};
};

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_RATE_LIMITER_H_
