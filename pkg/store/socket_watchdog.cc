#include "pkg/store/socket_watchdog.h"

#include <sys/socket.h>

namespace x3ui::store {

SocketWatchdog::SocketWatchdog() : thread_([this] { Run(); }) {}

SocketWatchdog::~SocketWatchdog() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t SocketWatchdog::Arm(int fd, Clock::time_point deadline) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> l(mu_);
    id = next_id_++;
    watches_.emplace(id, Watch{fd, deadline});
  }
  cv_.notify_all();
  return id;
}

bool SocketWatchdog::Disarm(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = watches_.find(id);
  if (it == watches_.end()) return false;
  bool fired = it->second.fired;
  watches_.erase(it);
  return fired;
}

void SocketWatchdog::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    Clock::time_point next = Clock::time_point::max();
    const Clock::time_point now = Clock::now();
    for (auto& [id, w] : watches_) {
      if (w.fired) continue;
      if (w.deadline <= now) {
        // Under mu_, so Disarm (and the close that follows it) cannot run concurrently.
        ::shutdown(w.fd, SHUT_RDWR);
        w.fired = true;
      } else if (w.deadline < next) {
        next = w.deadline;
      }
    }
    if (next == Clock::time_point::max()) {
      cv_.wait(l);
    } else {
      cv_.wait_until(l, next);
    }
  }
}

}  // namespace x3ui::store
