#include "tests/sim/tls_front.h"

#include <array>
#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

namespace x3ui::sim {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// One client connection and its backend connection; kept alive by its pending operations.
class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  Pipe(tcp::socket client, asio::ssl::context& tls, int backend_port)
      : client_(std::move(client), tls), backend_(client_.get_executor()), backend_port_(backend_port) {}

  void Start() {
    client_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
      if (ec) return self->Close();
      tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(self->backend_port_));
      self->backend_.async_connect(ep, [self](error_code ec) {
        if (ec) return self->Close();
        self->ClientToBackend();
        self->BackendToClient();
      });
    });
  }

 private:
  void ClientToBackend() {
    client_.async_read_some(asio::buffer(up_), [self = shared_from_this()](error_code ec, size_t n) {
      if (ec) return self->Close();
      asio::async_write(self->backend_, asio::buffer(self->up_.data(), n), [self](error_code ec, size_t) {
        if (ec) return self->Close();
        self->ClientToBackend();
      });
    });
  }
  void BackendToClient() {
    backend_.async_read_some(asio::buffer(down_), [self = shared_from_this()](error_code ec, size_t n) {
      if (ec) return self->Close();
      asio::async_write(self->client_, asio::buffer(self->down_.data(), n), [self](error_code ec, size_t) {
        if (ec) return self->Close();
        self->BackendToClient();
      });
    });
  }
  void Close() {
    error_code ignored;
    client_.lowest_layer().close(ignored);
    backend_.close(ignored);
  }

  asio::ssl::stream<tcp::socket> client_;
  tcp::socket backend_;
  const int backend_port_;
  std::array<char, 16 * 1024> up_{}, down_{};
};

}  // namespace

struct TlsFront::Runtime {
  asio::ssl::context tls{asio::ssl::context::tls_server};  // outlives the pipes, which the io_context holds
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
};

TlsFront::TlsFront(std::string cert_pem, std::string key_pem, int port, int backend_port)
    : cert_pem_(std::move(cert_pem)), key_pem_(std::move(key_pem)), port_(port), backend_port_(backend_port) {}

TlsFront::~TlsFront() { Stop(); }

namespace {
void Accept(tcp::acceptor& acceptor, asio::ssl::context& tls, int backend_port) {
  acceptor.async_accept([&acceptor, &tls, backend_port](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<Pipe>(std::move(socket), tls, backend_port)->Start();
    Accept(acceptor, tls, backend_port);
  });
}
}  // namespace

Status TlsFront::Start() {
  auto rt = std::make_unique<Runtime>();
  error_code ec;
  rt->tls.use_certificate_chain(asio::buffer(cert_pem_), ec);
  if (!ec) rt->tls.use_private_key(asio::buffer(key_pem_), asio::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("TLS front: the certificate or key does not load: " + ec.message());
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_));
  rt->acceptor.open(ep.protocol(), ec);
  if (!ec) rt->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) rt->acceptor.bind(ep, ec);
  if (!ec) rt->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("TLS front: cannot listen on port " + std::to_string(port_) + ": " + ec.message());
  Accept(rt->acceptor, rt->tls, backend_port_);
  Runtime* r = rt.get();
  rt->thread = std::thread([r] { r->io.run(); });
  rt_ = std::move(rt);
  return Status::Ok();
}

void TlsFront::Stop() {
  if (!rt_) return;
  asio::post(rt_->io, [r = rt_.get()] {
    error_code ignored;
    r->acceptor.close(ignored);
  });
  rt_->io.stop();
  if (rt_->thread.joinable()) rt_->thread.join();
  rt_.reset();  // the io_context's destruction closes every pipe's sockets
}

}  // namespace x3ui::sim
