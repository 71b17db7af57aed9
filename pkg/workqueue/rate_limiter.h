// File: pkg/workqueue/rate_limiter.h
//
// Rate limiters for requeued work items, as client-go's workqueue has them: per-item exponential
// backoff (5 ms doubling, capped at 1000 s), an overall token bucket (10 qps, burst 100), and the
// maximum of several, which is controller-runtime's default.
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_WORKQUEUE_RATE_LIMITER_H_
#define X3UI_PKG_WORKQUEUE_RATE_LIMITER_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/common/token_bucket.h"

namespace x3ui::workqueue {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long `key` should wait before its next attempt; counts the attempt.
  virtual std::chrono::nanoseconds When(const std::string& key) = 0;
  // Stops tracking `key` (it succeeded).
  virtual void Forget(const std::string& key) = 0;
  virtual int NumRequeues(const std::string& key) = 0;
};

class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(std::chrono::nanoseconds base, std::chrono::nanoseconds max) : base_(base), max_(max) {}
  std::chrono::nanoseconds When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  const std::chrono::nanoseconds base_, max_;
  std::mutex mu_;
  std::map<std::string, int> failures_;
};

class BucketRateLimiter final : public RateLimiter {
 public:
  // `clock` is borrowed.
  BucketRateLimiter(double qps, int burst, const Clock* clock) : bucket_(qps, burst, clock) {}
  std::chrono::nanoseconds When(const std::string&) override { return bucket_.Reserve(); }
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  TokenBucket bucket_;
};

class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters) : limiters_(std::move(limiters)) {}
  std::chrono::nanoseconds When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// controller-runtime's default: max(5 ms..1000 s per item, 10 qps burst 100 overall).
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock* clock);

}  // namespace x3ui::workqueue

#endif  // X3UI_PKG_WORKQUEUE_RATE_LIMITER_H_
