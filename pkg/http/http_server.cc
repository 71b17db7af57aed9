#include "pkg/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "pkg/common/url.h"

namespace x3ui::http {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;


}  // namespace

HttpServer::HttpServer(int port, Handler handler) : port_(port), handler_(std::move(handler)) {}
HttpServer::HttpServer(std::string host, int port, Handler handler)
    : host_(std::move(host)), port_(port), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::running() const {
  std::lock_guard<std::mutex> l(mu_);
  return listen_fd_ >= 0;
}

Status HttpServer::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (listen_fd_ >= 0) return Status::Ok();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port_));
  if (::inet_pton(AF_INET, host_.c_str(), &a.sin_addr) != 1) {
    ::close(fd);
    return Status::InvalidArgument("not an IPv4 address to listen on: " + host_);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 512) != 0) {
    ::close(fd);
    return Status::Unavailable("cannot listen on " + host_ + ":" + std::to_string(port_));
  }
  listen_fd_ = fd;
  if (acceptor_.joinable()) acceptor_.join();
  acceptor_ = std::thread([this, fd] { AcceptLoop(fd); });
  return Status::Ok();
}

void HttpServer::Stop() {
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (listen_fd_ >= 0) {
      ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes blocked reads and writes
    workers.swap(workers_);
  }
  if (acceptor_.joinable() && acceptor_.get_id() != std::this_thread::get_id()) acceptor_.join();
  for (auto& w : workers) {
    if (w.thread.joinable()) w.thread.join();
  }
}

void HttpServer::AcceptLoop(int listen_fd) {
  while (true) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // the listening socket was shut down
    }
    std::lock_guard<std::mutex> l(mu_);
    if (listen_fd_ != listen_fd) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    // Reap finished connection threads as new ones start.
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (!it->done->load()) {
        ++it;
        continue;
      }
      it->thread.join();
      it = workers_.erase(it);
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back(Worker{std::thread([this, fd, done] {
                                Serve(fd);
                                done->store(true);
                              }),
                              done});
  }
}

void HttpServer::Serve(int fd) {
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  boost::system::error_code ec;
  sock.assign(asio::ip::tcp::v4(), fd, ec);
  std::string remote = "127.0.0.1";
  auto ep = sock.remote_endpoint(ec);
  if (!ec) remote = ep.address().to_string();
  beast::flat_buffer buffer;
  while (!ec) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(sock, buffer, parser, ec);
    if (ec) break;
    const auto& req = parser.get();
    Request r;
    r.method = std::string(req.method_string());
    std::string_view target(req.target().data(), req.target().size());
    size_t q = target.find('?');
    r.path = PercentDecode(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = req.body();
    r.remote_ip = remote;
    Response s = handler_(r);
    http::response<http::string_body> res{static_cast<http::status>(s.status), req.version()};
    if (!s.body.empty()) res.set(http::field::content_type, s.content_type);
    for (const auto& [k, v] : s.headers) res.insert(k, v);
    res.body() = std::move(s.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(sock, res, ec);
    if (!res.keep_alive()) break;
  }
  sock.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  {
    std::lock_guard<std::mutex> l(mu_);
    open_fds_.erase(fd);
  }
  sock.close(ec);
}

}  // namespace x3ui::http
