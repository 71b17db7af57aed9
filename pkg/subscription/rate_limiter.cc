#include "pkg/subscription/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace x3ui::subscription {

int RateLimiter::Take(const std::string& ip, TimePoint now) {
  std::lock_guard lock(mu_);
  DropFullBuckets(now);
  auto [it, fresh] = buckets_.try_emplace(ip, Bucket{burst_, now});
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * per_second_);
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second_)));
}

void RateLimiter::DropFullBuckets(TimePoint now) {
  // Once a minute at most: a sweep is linear in the buckets.
  if (now - last_sweep_ < std::chrono::seconds(60)) return;
  last_sweep_ = now;
  const auto refill = std::chrono::duration<double>(burst_ / per_second_);
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.last >= refill; });
}

}  // namespace x3ui::subscription
