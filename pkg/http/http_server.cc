#include "pkg/http/http_server.h"

#include <atomic>
#include <thread>

#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "pkg/http/http_connection.h"

namespace x3ui::http {

namespace asio = boost::asio;
using boost::system::error_code;

// Members are destroyed in reverse order: the handler pool (whose queued work holds
// connections) before the io_context, whose destruction drops every remaining connection, and
// the connection count, which connections decrement as they go, after both.
struct HttpServer::Runtime {
  explicit Runtime(const ServerOptions& o) : handlers(static_cast<size_t>(std::max(1, o.handler_threads))) {}
  std::atomic<size_t> open{0};
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  asio::steady_timer backoff{io};
  asio::thread_pool handlers;
  std::vector<std::thread> threads;  // joined by Stop before destruction
};

HttpServer::HttpServer(std::string host, int port, Handler handler, ServerOptions options)
    : host_(std::move(host)), port_(port), handler_(std::move(handler)), options_(options) {}

HttpServer::HttpServer(int port, Handler handler, ServerOptions options)
    : HttpServer("127.0.0.1", port, std::move(handler), options) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::running() const {
  std::lock_guard<std::mutex> l(mu_);
  return runtime_ != nullptr;
}

Status HttpServer::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (runtime_) return Status::Ok();
  error_code ec;
  asio::ip::address_v4 address = asio::ip::make_address_v4(host_, ec);
  if (ec) return Status::InvalidArgument("not an IPv4 address to listen on: " + host_);
  if (options_.tls && !options_.tls->Current()) return Status::FailedPrecondition("the TLS certificate is not loaded");
  auto rt = std::make_unique<Runtime>(options_);
  asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(port_));
  rt->acceptor.open(endpoint.protocol(), ec);
  if (!ec) rt->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) rt->acceptor.bind(endpoint, ec);
  if (!ec) rt->acceptor.listen(512, ec);
  if (ec) return Status::Unavailable("cannot listen on " + host_ + ":" + std::to_string(port_));
  Accept(*rt);
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    rt->threads.emplace_back([io = &rt->io] { io->run(); });
  }
  runtime_ = std::move(rt);
  return Status::Ok();
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  if (!runtime_) return;
  Runtime& rt = *runtime_;
  rt.io.stop();
  for (auto& t : rt.threads) t.join();
  rt.handlers.stop();  // handlers not yet started are dropped; running ones finish
  rt.handlers.join();
  runtime_.reset();  // closes the listening socket and every connection
}

void HttpServer::Accept(Runtime& rt) {
  rt.acceptor.async_accept(asio::make_strand(rt.io), [this, &rt](error_code ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors (EMFILE, ENFILE) or memory, or a connection that failed before we
      // took it: the pending connection stays queued, so wait a little rather than spin.
      rt.backoff.expires_after(options_.accept_backoff);
      rt.backoff.async_wait([this, &rt](error_code e) {
        if (!e) Accept(rt);
      });
      return;
    }
    if (rt.open.load() >= options_.max_connections) {
      socket.close(ec);  // over the cap: closed at once, nothing read
    } else if (!options_.tls) {
      std::make_shared<Connection<PlainStream>>(std::move(socket), nullptr, options_, handler_, rt.handlers, rt.open)->Start();
    } else {
      std::make_shared<Connection<TlsStream>>(std::move(socket), options_.tls->Current(), options_, handler_, rt.handlers,
                                              rt.open)
          ->Start();
    }
    Accept(rt);
  });
}

}  // namespace x3ui::http
