// File: pkg/common/token_bucket.h
//
// TokenBucket: `qps` tokens per second, at most `burst` saved up (client-go's flowcontrol and
// workqueue's BucketRateLimiter). Reserve() takes a token and says how long to wait for it.
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_COMMON_TOKEN_BUCKET_H_
#define X3UI_PKG_COMMON_TOKEN_BUCKET_H_

#include <chrono>
#include <mutex>

#include "pkg/common/clock.h"

namespace x3ui {

class TokenBucket {
 public:
  // `clock` is borrowed. REQUIRES: qps > 0, burst >= 1.
  TokenBucket(double qps, int burst, const Clock* clock);

  // Takes one token; returns how long the caller must wait before using it (zero if at once).
  std::chrono::nanoseconds Reserve();
  // Reserve() and sleep for it.
  void Wait();

 private:
  const double qps_;
  const double burst_;
  const Clock* clock_;
  std::mutex mu_;
  double tokens_;
  TimePoint last_;
};

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_TOKEN_BUCKET_H_
