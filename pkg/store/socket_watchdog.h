// File: pkg/store/socket_watchdog.h
//
// SocketWatchdog: a client-side deadline for blocking calls on a socket. libpqxx calls block in
// libpq's poll() with no timeout, and statement_timeout is enforced by the server, so a database
// that stops answering mid-call (a black-holed network, a frozen host) would hold the calling
// thread for as long as TCP keeps retrying. Arm(fd, deadline) before the call; if the deadline
// passes first, the watchdog shuts the socket down, which wakes the blocked call with an error.
// Disarm after the call says whether that happened.
//
// Thread-safety: Arm and Disarm may be called concurrently from any thread. A socket is shut
// down only between its Arm and its Disarm, so the caller may close it after Disarm returns.
// Owns one thread, started by the constructor and joined by the destructor.
#ifndef X3UI_PKG_STORE_SOCKET_WATCHDOG_H_
#define X3UI_PKG_STORE_SOCKET_WATCHDOG_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace x3ui::store {

class SocketWatchdog {
 public:
  using Clock = std::chrono::steady_clock;

  SocketWatchdog();
  ~SocketWatchdog();
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;

  // Watches `fd` until Disarm(id); shuts it down (both directions) at `deadline`.
  uint64_t Arm(int fd, Clock::time_point deadline);
  // Stops watching; true if the deadline had passed and the socket was shut down.
  bool Disarm(uint64_t id);

 private:
  struct Watch {
    int fd;
    Clock::time_point deadline;
    bool fired = false;
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;               // guarded by mu_
  uint64_t next_id_ = 1;                // guarded by mu_
  std::map<uint64_t, Watch> watches_;   // guarded by mu_
  std::thread thread_;                  // last: starts after the members it uses
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_SOCKET_WATCHDOG_H_
