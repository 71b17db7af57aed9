#include "pkg/workqueue/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace x3ui::workqueue {

std::chrono::nanoseconds ItemExponentialRateLimiter::When(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  int exp = failures_[key]++;
  double d = static_cast<double>(base_.count()) * std::pow(2.0, exp);
  if (d > static_cast<double>(max_.count())) return max_;
  return std::chrono::nanoseconds(static_cast<int64_t>(d));
}

void ItemExponentialRateLimiter::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::chrono::nanoseconds MaxOfRateLimiter::When(const std::string& key) {
  std::chrono::nanoseconds out{0};
  for (auto& l : limiters_) out = std::max(out, l->When(key));
  return out;
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  for (auto& l : limiters_) l->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) {
  int n = 0;
  for (auto& l : limiters_) n = std::max(n, l->NumRequeues(key));
  return n;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock* clock) {
  std::vector<std::unique_ptr<RateLimiter>> v;
  v.push_back(std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  v.push_back(std::make_unique<BucketRateLimiter>(10, 100, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(v));
}

}  // namespace x3ui::workqueue
