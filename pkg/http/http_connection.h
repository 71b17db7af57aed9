// File: pkg/http/http_connection.h  (internal to pkg/http)
//
// One accepted connection of HttpServer, over plain TCP or TLS (the handshake is part of the
// head's deadline): reads requests within the ServerOptions limits and timeouts, runs the handler on the handler pool, writes the response, and answers a request
// over a limit with 431 / 413 / 400 followed by a lingering close. It keeps itself alive through
// the shared_ptr its pending operations hold, and goes away (closing the socket) when none is
// left, which is also what happens to every connection when the server's io_context is torn
// down.
//
// Thread-safety: all its work runs on its own strand; the handler runs on the handler pool.
#ifndef X3UI_PKG_HTTP_HTTP_CONNECTION_H_
#define X3UI_PKG_HTTP_HTTP_CONNECTION_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>

#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "pkg/http/http_server.h"

namespace x3ui::http {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  // `socket` must run on a strand of its own. `tls` is the context of a TlsStream connection
  // (kept alive by it; null for a PlainStream one). `options`, `handler`, `pool` and `open` are
  // borrowed and outlive the connection; `open` counts live connections (incremented here,
  // decremented by the destructor).
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls,
             const ServerOptions& options, const HttpServer::Handler& handler, boost::asio::thread_pool& pool,
             std::atomic<size_t>& open);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();

 private:
  using Clock = std::chrono::steady_clock;
  using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
  using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  boost::beast::tcp_stream& Tcp() { return boost::beast::get_lowest_layer(stream_); }

  // Waits for the first byte of the next request (within idle_timeout), then reads it.
  void AwaitRequest();
  void ReadHead();
  void ReadBody();
  void Dispatch();
  void Write(bool close_after);
  // A paced response (Response::pace): the head, then the body from `offset` in one-byte chunks
  // with a pause of pace_ after each, then the last chunk.
  void WritePaced(bool close_after);
  void Drip(size_t offset, bool close_after);
  // Replies `status` and closes (after lingering).
  void Reject(boost::beast::http::status status, const char* reason);
  void Linger();
  void Close();
  void OnReadError(const boost::system::error_code& ec);

  std::shared_ptr<boost::asio::ssl::context> tls_;  // before stream_, which refers to it
  Stream stream_;
  const ServerOptions& options_;
  const HttpServer::Handler& handler_;
  boost::asio::thread_pool& pool_;
  std::atomic<size_t>& open_;
  std::string remote_ip_ = "127.0.0.1";
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  BeastResponse response_;
  std::chrono::milliseconds pace_{0};  // of the response being written
  std::string wire_;                   // what a paced write is sending (its head, or one chunk)
  std::optional<boost::asio::steady_timer> pause_;
  Clock::time_point head_deadline_;
  size_t drained_ = 0;
  char scratch_[4096];
};

// The handler's view of a parsed request.
Request ToRequest(const boost::beast::http::request<boost::beast::http::string_body>& req, const std::string& remote_ip);

}  // namespace x3ui::http

#endif  // X3UI_PKG_HTTP_HTTP_CONNECTION_H_
