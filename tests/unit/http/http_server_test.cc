// HttpServer under hostile clients: a flood of idle connections in a process short of file
// descriptors, a client that drips its request, oversized and malformed requests, and Stop.
#include "pkg/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/wait.h"

namespace x3ui::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool SendAll(int fd, const std::string& data) {
  for (size_t sent = 0; sent < data.size();) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

struct Reply {
  std::string data;
  bool closed = false;  // the server closed (or reset) the connection
};

// Reads until the server closes the connection or `deadline` passes.
Reply ReadUntilClosed(int fd, Clock::time_point deadline) {
  Reply r;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 1))) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      return r;
    }
    r.data.append(buf, static_cast<size_t>(n));
  }
  return r;
}

// One request on a fresh connection with Connection: close; the reply's status line, or "" if
// none came before `deadline`.
std::string StatusLine(int port, const std::string& path, Clock::time_point deadline) {
  int fd = testing::ConnectLoopback(port);
  if (fd < 0) return "";
  SendAll(fd, "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  Reply r = ReadUntilClosed(fd, deadline);
  ::close(fd);
  return r.data.substr(0, r.data.find("\r\n"));
}

Response Healthz(const Request& r) {
  if (r.path == "/healthz") return {200, "ok", "text/plain", {}};
  return {404, "not found\n", "text/plain", {}};
}

ServerOptions QuickOptions() {
  ServerOptions o;
  o.head_timeout = 500ms;
  o.idle_timeout = 500ms;
  o.write_timeout = 2s;
  o.linger_timeout = 500ms;
  o.accept_backoff = 20ms;
  return o;
}

// --- a flood of idle connections in a process with 256 descriptors ----------------------------

struct FloodCase {
  const char* name;
  size_t max_connections;  // above the descriptor limit: accept itself fails with EMFILE
};

class IdleFloodTest : public ::testing::TestWithParam<FloodCase> {};

// The server runs in a child process whose RLIMIT_NOFILE is 256; this process (with its own,
// higher limit) opens 300 idle connections to it, then asks for /healthz.
TEST_P(IdleFloodTest, ServerStillAnswersAndNeverCrashes) {
  const int port = testing::FreePort();
  int ready[2], stop[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(stop), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(stop[1]);
    rlimit lim{256, 256};
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(3);
    ServerOptions o = QuickOptions();
    o.max_connections = GetParam().max_connections;
    HttpServer server(port, Healthz, o);
    if (!server.Start().ok()) ::_exit(4);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(5);
    (void)!::read(stop[0], &c, 1);  // until the parent closes its end
    server.Stop();
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(stop[0]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the server did not start";

  std::vector<int> idle;
  for (int i = 0; i < 300; ++i) {
    int fd = testing::ConnectLoopback(port);
    if (fd >= 0) idle.push_back(fd);
  }
  EXPECT_GE(idle.size(), 256u) << "the listen backlog takes the flood";

  // The idle connections are cut at the head timeout, those over the cap (or past the
  // descriptor limit) closed or left waiting in the backlog; /healthz gets through once a slot
  // is free.
  const auto deadline = Clock::now() + 30s;
  std::string status;
  while (Clock::now() < deadline && status.empty()) status = StatusLine(port, "/healthz", Clock::now() + 2s);
  EXPECT_EQ(status, "HTTP/1.1 200 OK");
  int wstatus = 0;
  EXPECT_EQ(::waitpid(child, &wstatus, WNOHANG), 0) << "the server process died";

  for (int fd : idle) ::close(fd);
  ::close(stop[1]);  // asks the child to stop
  ::close(ready[0]);
  if (::waitpid(child, &wstatus, 0) == child) {
    EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        << "child ended " << (WIFSIGNALED(wstatus) ? "by signal " + std::to_string(WTERMSIG(wstatus))
                                                   : "with " + std::to_string(WEXITSTATUS(wstatus)));
  }
}

INSTANTIATE_TEST_SUITE_P(Limits, IdleFloodTest,
                         ::testing::Values(FloodCase{"cap_below_fd_limit", 64}, FloodCase{"cap_above_fd_limit", 10000}),
                         [](const auto& info) { return std::string(info.param.name); });

// --- slow and oversized requests ----------------------------------------------------------------

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = testing::FreePort();
    server_ = std::make_unique<HttpServer>(port_, Healthz, QuickOptions());
    ASSERT_TRUE(server_->Start().ok());
  }
  int port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ADrippingClientIsCutAtTheHeadTimeout) {
  int fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nX-Drip: "));
  // One byte every 100 ms (the fault being played, not a synchronisation), until the server
  // closes the connection or 20 s pass; the head never completes.
  const auto deadline = Clock::now() + 20s;
  Reply r;
  while (Clock::now() < deadline && !r.closed) {
    if (!SendAll(fd, "a")) {
      r.closed = true;
      break;
    }
    r = ReadUntilClosed(fd, Clock::now() + 100ms);
    EXPECT_EQ(r.data, "") << "no reply to a request that never ended";
  }
  ::close(fd);
  EXPECT_TRUE(r.closed) << "a client dripping its head still holds its connection after 20 s";
  EXPECT_EQ(StatusLine(port_, "/healthz", Clock::now() + 10s), "HTTP/1.1 200 OK");
}

TEST_F(HttpServerTest, AConnectionThatSendsNothingIsClosed) {
  int fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  Reply r = ReadUntilClosed(fd, Clock::now() + 20s);
  ::close(fd);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.data, "");
}

struct BadRequestCase {
  const char* name;
  std::string request;
  std::string status_line;
};

class BadRequestTest : public HttpServerTest, public ::testing::WithParamInterface<BadRequestCase> {};

TEST_P(BadRequestTest, IsAnsweredThenClosed) {
  int fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  SendAll(fd, GetParam().request);
  Reply r = ReadUntilClosed(fd, Clock::now() + 10s);
  ::close(fd);
  EXPECT_EQ(r.data.substr(0, r.data.find("\r\n")), GetParam().status_line) << r.data;
  EXPECT_TRUE(r.closed) << "the connection stays open";
  EXPECT_EQ(StatusLine(port_, "/healthz", Clock::now() + 10s), "HTTP/1.1 200 OK");
}

INSTANTIATE_TEST_SUITE_P(
    Requests, BadRequestTest,
    ::testing::Values(
        BadRequestCase{"header_16k", "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n",
                       "HTTP/1.1 431 Request Header Fields Too Large"},
        BadRequestCase{"many_headers",
                       [] {
                         std::string r = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
                         for (int i = 0; i < 2000; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
                         return r + "\r\n";
                       }(),
                       "HTTP/1.1 431 Request Header Fields Too Large"},
        BadRequestCase{"target_16k", "GET /" + std::string(16 * 1024, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n",
                       "HTTP/1.1 431 Request Header Fields Too Large"},
        BadRequestCase{"declared_body_1m", "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n",
                       "HTTP/1.1 413 Payload Too Large"},
        BadRequestCase{"chunked_body_64k",
                       "POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" +
                           std::string(65536, 'b') + "\r\n0\r\n\r\n",
                       "HTTP/1.1 413 Payload Too Large"},
        BadRequestCase{"garbage", "\x01\x02 not http at all\r\n\r\n", "HTTP/1.1 400 Bad Request"},
        BadRequestCase{"bad_content_length", "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
                       "HTTP/1.1 400 Bad Request"}),
    [](const auto& info) { return std::string(info.param.name); });

// --- what still works ---------------------------------------------------------------------------

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  int fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n"));
  Reply r = ReadUntilClosed(fd, Clock::now() + 20s);  // closed at the idle timeout after both
  ::close(fd);
  EXPECT_NE(r.data.find("HTTP/1.1 200 OK"), std::string::npos) << r.data;
  EXPECT_NE(r.data.find("HTTP/1.1 404 Not Found"), std::string::npos) << r.data;
  EXPECT_TRUE(r.closed);
}

// A HEAD reply has GET's Content-Length and no body: the next reply on the connection starts
// right after its head (a body would be read as the start of it).
TEST_F(HttpServerTest, HeadGetsTheContentLengthOfGetAndNoBody) {
  int fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  Reply r = ReadUntilClosed(fd, Clock::now() + 20s);
  ::close(fd);
  const size_t end_of_head = r.data.find("\r\n\r\n");
  ASSERT_NE(end_of_head, std::string::npos) << r.data;
  const std::string head = r.data.substr(0, end_of_head);
  EXPECT_EQ(head.rfind("HTTP/1.1 404 Not Found", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: 10"), std::string::npos) << head;  // "not found\n"
  EXPECT_EQ(r.data.substr(end_of_head + 4, 15), "HTTP/1.1 200 OK") << r.data;
}

TEST(HttpServerHandlerTest, AThrowingHandlerIsA500) {
  const int port = testing::FreePort();
  HttpServer server(port, [](const Request&) -> Response { throw std::runtime_error("boom"); }, QuickOptions());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(StatusLine(port, "/x", Clock::now() + 10s), "HTTP/1.1 500 Internal Server Error");
}

TEST(HttpServerStopTest, StopClosesOpenConnectionsAndThePort) {
  const int port = testing::FreePort();
  ServerOptions o;  // default (long) timeouts: only Stop may end the connection
  HttpServer server(port, Healthz, o);
  ASSERT_TRUE(server.Start().ok());
  int fd = testing::ConnectLoopback(port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  server.Stop();
  Reply r = ReadUntilClosed(fd, Clock::now() + 10s);
  ::close(fd);
  EXPECT_TRUE(r.closed);
  EXPECT_LT(testing::ConnectLoopback(port), 0) << "a stopped server refuses connections";
  ASSERT_TRUE(server.Start().ok()) << "and listens again after Start";
  EXPECT_EQ(StatusLine(port, "/healthz", Clock::now() + 10s), "HTTP/1.1 200 OK");
}

}  // namespace
}  // namespace x3ui::http
