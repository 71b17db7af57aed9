#include "controller/node/latency.h"

#include <algorithm>
#include <cstdlib>

namespace x3ui::controller {

void LatencyWindow::Add(std::chrono::milliseconds latency) {
  ms_[next_] = latency.count();
  next_ = (next_ + 1) % kSize;
  count_ = std::min(count_ + 1, kSize);
}

std::chrono::milliseconds LatencyWindow::Median() const {
  if (count_ == 0) return std::chrono::milliseconds(0);
  std::array<int64_t, kSize> sorted = ms_;
  auto end = sorted.begin() + static_cast<std::ptrdiff_t>(count_);
  auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(count_ / 2);
  std::nth_element(sorted.begin(), mid, end);
  return std::chrono::milliseconds(*mid);
}

int64_t LatencyBucket(std::chrono::milliseconds latency) {
  int64_t ms = latency.count(), b = 1;
  if (ms <= 0) return 0;
  while (b * 2 <= ms) b *= 2;
  return b;
}

bool LatencyWorthWriting(int64_t old_ms, int64_t new_ms) {
  if (old_ms == 0) return true;
  return std::abs(new_ms - old_ms) > std::max<int64_t>(old_ms / 2, 50) && (new_ms >= 4 * old_ms || 4 * new_ms <= old_ms);
}

}  // namespace x3ui::controller
