// File: tests/sim/http_server.h
//
// A small HTTP/1.1 server on one loopback port (Boost.Beast, a thread per connection) with full
// control over its socket: Stop() closes the listening socket and every open connection, so a
// simulated outage refuses connections as a dead panel does. (cpprestsdk's listener keeps the
// port open while any other listener in the process lives.)
//
// Thread-safety: Start/Stop may be called from any thread; the handler runs concurrently on
// connection threads.
#ifndef X3UI_TESTS_SIM_HTTP_SERVER_H_
#define X3UI_TESTS_SIM_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "pkg/common/status.h"
#include "tests/sim/sim_panel.h"

namespace x3ui::sim {

class HttpServer {
 public:
  using Handler = std::function<SimResponse(const SimRequest&)>;

  HttpServer(int port, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds 127.0.0.1:port and starts accepting. Unavailable if the port is taken.
  Status Start();
  // Refuses new connections and drops open ones; waits for connection threads to end.
  void Stop();
  bool running() const;

 private:
  void AcceptLoop(int listen_fd);
  void Serve(int fd);

  const int port_;
  const Handler handler_;
  mutable std::mutex mu_;
  int listen_fd_ = -1;        // guarded by mu_
  std::set<int> open_fds_;    // guarded by mu_
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::thread acceptor_;
  std::list<Worker> workers_;  // guarded by mu_
};

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_HTTP_SERVER_H_
