// TcpProxy: a loopback TCP proxy to a real server whose links can be frozen, to play a database
// that stops answering in the middle of a session (a black-holed network): a frozen link reads
// and drops what its client sends and sends nothing back, while the kernel keeps acknowledging,
// so neither TCP retransmission limits nor keepalives end it.
//
// Thread-safety: all methods may be called concurrently. Owns a thread per link and one for
// accepting; the destructor closes every link and joins them.
#ifndef X3UI_TESTS_INTEGRATION_STORE_TCP_PROXY_H_
#define X3UI_TESTS_INTEGRATION_STORE_TCP_PROXY_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace x3ui::testing {

class TcpProxy {
 public:
  TcpProxy(std::string target_host, int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // Links open now stop forwarding; links opened later forward normally.
  void FreezeOpenLinks();
  // Waits until a frozen link has dropped at least one byte, or `timeout` passes.
  bool WaitForDroppedBytes(std::chrono::milliseconds timeout);
  // Ends every frozen link: its client sees the connection closed.
  void CloseFrozenLinks();
  // While refusing, a new connection is closed at once, as a database that is down would.
  void SetRefusing(bool refusing) { refusing_ = refusing; }

 private:
  struct Link {
    int client = -1;
    int server = -1;
    std::atomic<bool> frozen{false};
    std::thread thread;
  };
  void Accept();
  void Pump(Link* link);

  const std::string host_;
  const int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable dropped_cv_;
  size_t dropped_ = 0;                        // guarded by mu_
  std::list<std::unique_ptr<Link>> links_;    // guarded by mu_
  std::atomic<bool> refusing_{false};
  std::thread acceptor_;
};

}  // namespace x3ui::testing

#endif  // X3UI_TESTS_INTEGRATION_STORE_TCP_PROXY_H_
