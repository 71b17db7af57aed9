// File: pkg/http/http_server.h
//
// A small HTTP/1.1 server (Boost.Beast; plain, or TLS with ServerOptions::tls) that serves the operator's /metrics, /healthz and
// /readyz, and x3ui-sim's panels, with full control over its socket: Stop() closes the
// listening socket and every open connection, so a simulated outage refuses connections as a
// dead panel does (cpprestsdk's listener keeps a port open while any other listener in the
// process lives).
//
// Built to survive a flood on its port (ServerOptions): one io_context on a fixed number of
// threads does all socket I/O asynchronously; at most max_connections are open (a new one
// beyond that is closed at once); a request head must arrive within head_timeout and the next
// request on a kept-alive connection start within idle_timeout; heads over max_head_bytes get
// 431, bodies over max_body_bytes 413, malformed requests 400, each followed by closing the
// connection; accept errors (EMFILE when the process is out of descriptors) back off and retry
// instead of ending the accept loop. Handlers run on a small pool of their own, so a slow
// handler (a readiness check waiting on the database) stalls neither accepting nor timeouts.
//
// Ownership: owns its threads, sockets and connections. Thread-safety: Start/Stop may be
// called from any thread except the server's own (not from a handler); the handler runs
// concurrently on up to handler_threads threads.
#ifndef X3UI_PKG_HTTP_HTTP_SERVER_H_
#define X3UI_PKG_HTTP_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/http/tls_files.h"

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
  // When non-zero the reply's head is written at once and its body as one-byte chunks (chunked
  // transfer encoding) with this pause after each: x3ui-sim's "drip" fault, a server that keeps
  // a connection busy without ever falling silent.
  std::chrono::milliseconds pace{0};
};

// Limits; the defaults suit an endpoint that answers GETs from probes and scrapers.
struct ServerOptions {
  int io_threads = 1;
  int handler_threads = 2;
  size_t max_connections = 64;
  // From accept (or, on a kept-alive connection, from the request's first byte) to the end of
  // its head and body.
  std::chrono::milliseconds head_timeout{10000};
  // A kept-alive connection waiting for its next request.
  std::chrono::milliseconds idle_timeout{30000};
  // Writing one response (a client that does not read).
  std::chrono::milliseconds write_timeout{10000};
  // After an error reply: how long what the client still sends is read and dropped before
  // closing, so that the reply is not lost to a reset.
  std::chrono::milliseconds linger_timeout{1000};
  // The wait after a failed accept (out of descriptors) before accepting again.
  std::chrono::milliseconds accept_backoff{100};
  size_t max_head_bytes = 8 * 1024;  // request line and headers
  size_t max_body_bytes = 4 * 1024;
  // Serve TLS with these files' certificate and key (loaded before Start); null: plain HTTP.
  std::shared_ptr<TlsFiles> tls;
};

class HttpServer {
 public:
  // A HEAD request is handled as a GET would be; the server sends the reply's head (with the
  // body's Content-Length) and no body.
  using Handler = std::function<Response(const Request&)>;

  // `host` is the address to bind ("127.0.0.1", or "0.0.0.0" for every interface).
  HttpServer(std::string host, int port, Handler handler, ServerOptions options = {});
  HttpServer(int port, Handler handler, ServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts accepting. InvalidArgument for a host that is not an IPv4
  // address, Unavailable if the port is taken. Start after Stop listens again.
  Status Start();
  // Closes the listening socket and every connection; waits for running handlers to return.
  void Stop();
  bool running() const;

 private:
  struct Runtime;  // one Start..Stop: io_context, acceptor, threads, handler pool
  void Accept(Runtime& rt);

  const std::string host_;
  const int port_;
  const Handler handler_;
  const ServerOptions options_;
  mutable std::mutex mu_;             // held across Start and Stop
  std::unique_ptr<Runtime> runtime_;  // guarded by mu_; null while stopped
};

}  // namespace x3ui::http

#endif  // X3UI_PKG_HTTP_HTTP_SERVER_H_
