// The cpprestsdk transport against a raw loopback server that floods: a body over the limit
// must stop the download (the connection is closed), not merely stop the reading while
// cpprestsdk keeps buffering the rest in memory; oversized headers are refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "pkg/x3ui/http_transport.h"

namespace x3ui::panel {
namespace {

using namespace std::chrono_literals;

// Serves one connection on a loopback port: reads the request head, writes `head`, then up to
// `body_bytes` of body (as chunks when `chunked`), stopping when the peer goes away.
class FloodServer {
 public:
  FloodServer(std::string head, size_t body_bytes, bool chunked = false)
      : head_(std::move(head)), body_bytes_(body_bytes), chunked_(chunked) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FloodServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  // Waits until the server is done with the connection; the body bytes it got written.
  size_t Join() {
    if (thread_.joinable()) thread_.join();
    return sent_.load();
  }

 private:
  bool Write(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  void Serve() {
    fd_ = ::accept(listen_fd_, nullptr, nullptr);
    if (fd_ < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    if (Write(head_)) {
      const std::string chunk(64 * 1024, 'x');
      char size_line[32];
      std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
      while (sent_.load() < body_bytes_) {
        if (!Write(chunked_ ? size_line + chunk + "\r\n" : chunk)) break;
        sent_ += chunk.size();
      }
      if (chunked_ && sent_.load() >= body_bytes_) Write("0\r\n\r\n");
    }
    ::close(fd_);
  }

  const std::string head_;
  const size_t body_bytes_;
  const bool chunked_;
  int listen_fd_ = -1;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

constexpr size_t kLimit = 1 << 20;     // the transport's limit in these tests
constexpr size_t kFlood = 256u << 20;  // what the server would send

Result<HttpResponse> Get(int port) {
  TransportOptions t;
  t.base_url = "http://127.0.0.1:" + std::to_string(port) + "/";
  t.timeout = 20s;
  t.max_body_bytes = kLimit;
  auto transport = NewCppRestTransport(t);
  EXPECT_TRUE(transport.ok());
  return (*transport)->Send({"GET", "panel/api/inbounds/list", {}, ""});
}

struct FloodCase {
  const char* name;
  std::string head;
  bool chunked;
};

void PrintTo(const FloodCase& c, std::ostream* os) { *os << c.name; }

class FloodTest : public ::testing::TestWithParam<FloodCase> {};

TEST_P(FloodTest, ABodyOverTheLimitStopsTheDownload) {
  FloodServer server(GetParam().head, kFlood, GetParam().chunked);
  Result<HttpResponse> r = Get(server.port());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted) << r.status().ToString();
  // The server's writes fail once the client has closed the connection; what it got out is the
  // limit plus what the loopback socket buffers hold, far from the whole flood.
  size_t sent = server.Join();
  EXPECT_LT(sent, 32u << 20) << "the download went on after the limit: " << sent << " bytes sent";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FloodTest,
    ::testing::Values(
        FloodCase{"UntilClose", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n", false},
        FloodCase{"Chunked", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true},
        FloodCase{"DeclaredLength",
                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kFlood) + "\r\n\r\n",
                  false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(TransportLimitsTest, ABodyAtTheLimitIsRead) {
  FloodServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n", kLimit);
  Result<HttpResponse> r = Get(server.port());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body.size(), kLimit);
  server.Join();
}

TEST(TransportLimitsTest, OversizedHeadersAreRefused) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  for (int i = 0; i < 40; ++i) head += "X-Filler-" + std::to_string(i) + ": " + std::string(2048, 'h') + "\r\n";
  head += "Content-Length: 2\r\n\r\n";
  FloodServer server(head + "{}", 0);
  Result<HttpResponse> r = Get(server.port());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted) << r.status().ToString();
  EXPECT_NE(r.status().message().find("headers"), std::string::npos);
  server.Join();
}

}  // namespace
}  // namespace x3ui::panel
