// A database host that accepts TCP connections and never answers (the handshake is completed
// by the kernel from the listen backlog; nobody reads): the store must give up within its
// connect timeout instead of waiting for ever.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include <gtest/gtest.h>

#include "pkg/store/pg_ledger_store.h"

namespace x3ui::store {
namespace {

using namespace std::chrono_literals;

// A listening socket on a free loopback port that never accepts; closing it resets every
// connection still waiting in its backlog, which ends a call that would otherwise hang.
class BlackHole {
 public:
  BlackHole() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    port_ = ntohs(a.sin_port);
  }
  ~BlackHole() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(PgBlackHoleTest, OpenGivesUpWithinTheConnectTimeout) {
  BlackHole hole;
  PgOptions options;
  options.limits.connect_timeout = 2s;  // libpq's minimum
  const std::string dsn = "postgresql://x3ui:black-hole-pw@127.0.0.1:" + std::to_string(hole.port()) + "/x3ui";
  auto opened = std::async(std::launch::async, [&] { return PgLedgerStore::Open(dsn, options); });
  // Generous: the point is that it returns at all.
  const bool returned = opened.wait_for(60s) == std::future_status::ready;
  EXPECT_TRUE(returned) << "Open still waiting on a database that never answers";
  hole.Close();  // lets a hanging Open end so that the test can finish
  Result<std::unique_ptr<PgLedgerStore>> r = opened.get();
  if (!returned) return;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("black-hole-pw"), std::string::npos) << r.status().message();
}

TEST(PgBlackHoleTest, AnUnreadableStringIsRefusedWithoutQuotingIt) {
  Result<std::unique_ptr<PgLedgerStore>> r = PgLedgerStore::Open("host=db password='never-closed-pw");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), kInvalidConnectionString);
}

}  // namespace
}  // namespace x3ui::store
