// File: controller/node/latency.h
//
// The latency a VpnNode's status reports (status.latencyMs), and when it is worth a write. A
// probe's latency swings with the machine's load: one slow probe (a busy CPU, a panel's re-login)
// must not rewrite the status twice (up, then back down). So the reported figure is the median
// of the last five probes, rounded down to a power of two, and it is rewritten only when that
// moves far (fourfold and by more than 50 ms).
//
// Thread-safety: LatencyWindow is a value with no internal lock (the node reconciler keeps one
// per node under its own mutex); the functions are pure.
#ifndef X3UI_CONTROLLER_NODE_LATENCY_H_
#define X3UI_CONTROLLER_NODE_LATENCY_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace x3ui::controller {

// The last few probe latencies of one node.
class LatencyWindow {
 public:
  static constexpr std::size_t kSize = 5;
  void Add(std::chrono::milliseconds latency);
  // The median of the probes added so far (of the last kSize); 0 before the first.
  std::chrono::milliseconds Median() const;

 private:
  std::array<int64_t, kSize> ms_{};
  std::size_t count_ = 0;  // probes added, capped at kSize
  std::size_t next_ = 0;   // where the next one goes
};

// Latency rounded down to a power of two (1, 2, 4, ... ms); 0 for under a millisecond.
int64_t LatencyBucket(std::chrono::milliseconds latency);
// Whether a new reported latency differs enough from the old one to be worth a status write:
// fourfold and by more than max(half of it, 50 ms), or nothing was reported yet.
bool LatencyWorthWriting(int64_t old_ms, int64_t new_ms);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_LATENCY_H_
