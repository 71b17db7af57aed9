// Test helpers shared by the integration suites: free loopback ports and waiting on a condition
// with a deadline (never a bare sleep standing in for synchronisation).
#ifndef X3UI_TESTS_SUPPORT_WAIT_H_
#define X3UI_TESTS_SUPPORT_WAIT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace x3ui::testing {

// A port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
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
