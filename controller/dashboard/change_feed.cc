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
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
  }
  changed_.notify_all();
}

std::string ChangeFeed::Version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return VersionLocked();
}

std::string ChangeFeed::WaitPast(const std::string& seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || VersionLocked() != seen; });
  return VersionLocked();
}

void ChangeFeed::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace x3ui::controller::dashboard
