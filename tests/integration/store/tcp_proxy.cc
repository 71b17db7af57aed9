#include "tests/integration/store/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace x3ui::testing {
namespace {

int ConnectTo(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool Forward(int from, int to) {
  char buf[16384];
  ssize_t n = ::recv(from, buf, sizeof buf, 0);
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    ssize_t w = ::send(to, buf + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(std::string target_host, int target_port) : host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("proxy cannot listen on loopback");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

TcpProxy::~TcpProxy() {
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  ::close(listen_fd_);
  std::list<std::unique_ptr<Link>> links;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& link : links_) {
      ::shutdown(link->client, SHUT_RDWR);
      ::shutdown(link->server, SHUT_RDWR);
    }
    links.swap(links_);
  }
  for (auto& link : links) {
    link->thread.join();
    ::close(link->client);
    ::close(link->server);
  }
}

void TcpProxy::Accept() {
  while (true) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    if (refusing_.load()) {
      ::close(client);
      continue;
    }
    int server = ConnectTo(host_, target_port_);
    if (server < 0) {
      ::close(client);
      continue;
    }
    std::lock_guard<std::mutex> l(mu_);
    auto link = std::make_unique<Link>();
    link->client = client;
    link->server = server;
    Link* raw = link.get();
    link->thread = std::thread([this, raw] { Pump(raw); });
    links_.push_back(std::move(link));
  }
}

void TcpProxy::Pump(Link* link) {
  while (true) {
    const bool was_frozen = link->frozen.load();
    pollfd fds[2] = {{link->client, POLLIN, 0}, {link->server, static_cast<short>(was_frozen ? 0 : POLLIN), 0}};
    if (::poll(fds, 2, -1) < 0) return;
    if (link->frozen.load()) {
      // Read and drop what the client sends; the server's replies stay unread.
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[16384];
      ssize_t n = ::recv(link->client, buf, sizeof buf, 0);
      if (n <= 0) return;
      {
        std::lock_guard<std::mutex> l(mu_);
        dropped_ += static_cast<size_t>(n);
      }
      dropped_cv_.notify_all();
      continue;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !Forward(link->client, link->server)) break;
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !Forward(link->server, link->client)) break;
  }
  ::shutdown(link->client, SHUT_RDWR);
  ::shutdown(link->server, SHUT_RDWR);
}

void TcpProxy::FreezeOpenLinks() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& link : links_) link->frozen.store(true);
}

bool TcpProxy::WaitForDroppedBytes(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return dropped_cv_.wait_for(l, timeout, [this] { return dropped_ > 0; });
}

void TcpProxy::CloseFrozenLinks() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& link : links_) {
    if (link->frozen.load()) ::shutdown(link->client, SHUT_RDWR);
  }
}

}  // namespace x3ui::testing
