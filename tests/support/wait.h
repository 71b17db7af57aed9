// Test helpers shared by the integration suites: free loopback ports, a raw loopback
// connection, and waiting on a condition with a deadline (never a bare sleep standing in for
// synchronisation).
#ifndef X3UI_TESTS_SUPPORT_WAIT_H_
#define X3UI_TESTS_SUPPORT_WAIT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace x3ui::testing {

// A loopback port nobody listens on, drawn from 20000-31999: below the kernel's ephemeral range
// (32768+), so that no outgoing connection of a test running in parallel can be holding it when
// the server binds it (a port 0 bind would hand out exactly such a port). Never the same port
// twice in one process: a test asks for several before any of them listens.
inline int FreePort() {
  static std::mutex mu;
  static std::mt19937 rng{std::random_device{}()};
  static std::set<int> handed_out;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port;
    {
      std::lock_guard<std::mutex> l(mu);
      port = 20000 + static_cast<int>(rng() % 12000);
      if (!handed_out.insert(port).second) continue;
    }
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 0;
}

// A TCP connection to 127.0.0.1:`port` (a descriptor to close), or -1.
inline int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Polls `pred` every 20 ms until it holds or `deadline` passes; returns its last value.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace x3ui::testing

#endif  // X3UI_TESTS_SUPPORT_WAIT_H_
