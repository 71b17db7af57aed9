#include "controller/dashboard/change_feed.h"

#include <cstdio>
#include <random>

namespace x3ui::controller::dashboard {
namespace {

std::string RandomEpoch() {
  std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

ChangeFeed::ChangeFeed() : epoch_(RandomEpoch()) {}

void ChangeFeed::Bump() {
  {
    MutexLock l(mu_);
    ++count_;
  }
  changed_.notify_all();
}

std::string ChangeFeed::Version() const {
  MutexLock l(mu_);
  return VersionLocked();
}

std::string ChangeFeed::WaitPast(const std::string& seen, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock l(mu_);
  while (!closed_ && VersionLocked() == seen) {
    if (changed_.wait_until(mu_, deadline) == std::cv_status::timeout) break;
  }
  return VersionLocked();
}

void ChangeFeed::Close() {
  {
    MutexLock l(mu_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace x3ui::controller::dashboard
