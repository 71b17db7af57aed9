// File: pkg/http/http_server.h
//
// A small HTTP/1.1 server (Boost.Beast, a thread per connection) with full control over its
// socket: Stop() closes the listening socket and every open connection. It serves the
// operator's /metrics, /healthz and /readyz, and x3ui-sim's panels, whose simulated outages must
// refuse connections as a dead panel does (cpprestsdk's listener keeps a port open while any
// other listener in the process lives).
//
// Thread-safety: Start/Stop may be called from any thread; the handler runs concurrently on
// connection threads.
#ifndef X3UI_PKG_HTTP_HTTP_SERVER_H_
#define X3UI_PKG_HTTP_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <map>
#include <string>
#include <vector>

#include "pkg/common/status.h"

namespace x3ui::http {

struct Request {
  std::string method;
  std::string path;   // URL-decoded, without the query
  std::string query;  // raw, without '?'
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_ip = "127.0.0.1";
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
};


class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;

  HttpServer(int port, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `host` is the address to bind ("127.0.0.1", or "0.0.0.0" for every interface).
  HttpServer(std::string host, int port, Handler handler);

  // Binds host:port and starts accepting. Unavailable if the port is taken.
  Status Start();
  // Refuses new connections and drops open ones; waits for connection threads to end.
  void Stop();
  bool running() const;

 private:
  void AcceptLoop(int listen_fd);
  void Serve(int fd);

  const std::string host_ = "127.0.0.1";
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

}  // namespace x3ui::http

#endif  // X3UI_PKG_HTTP_HTTP_SERVER_H_
