#include "pkg/common/token_bucket.h"

#include <algorithm>
#include <thread>

namespace x3ui {

TokenBucket::TokenBucket(double qps, int burst, const Clock* clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock->Now()) {}

std::chrono::nanoseconds TokenBucket::Reserve() {
  std::lock_guard<std::mutex> l(mu_);
  TimePoint now = clock_->Now();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) {
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1;  // may go negative: the debt is the wait
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
}

void TokenBucket::Wait() {
  auto d = Reserve();
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

}  // namespace x3ui
