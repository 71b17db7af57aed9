// File: pkg/common/clock.h
//
// Clock: injected wherever time matters (conditions, health hysteresis, failover grace), so tests
// run on a FakeClock. Also RFC 3339 formatting and parsing in UTC, as Kubernetes writes times.
//
// Thread-safety: RealClock is stateless; FakeClock is internally synchronised.
#ifndef X3UI_PKG_COMMON_CLOCK_H_
#define X3UI_PKG_COMMON_CLOCK_H_

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace x3ui {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  void Advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
  }
  void Set(TimePoint t) {
    std::lock_guard<std::mutex> l(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

// "2026-11-26T01:02:03Z" (second precision, as metav1.Time serialises).
std::string FormatRfc3339(TimePoint t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" (a lower-case t or z too). Returns nullopt for
// anything else, including out-of-range fields such as month 13 or Feb 30, and years outside
// 1678-2261 (what a 64-bit nanosecond system_clock can hold).
std::optional<TimePoint> ParseRfc3339(const std::string& s);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_CLOCK_H_
