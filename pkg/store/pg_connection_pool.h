// File: pkg/store/pg_connection_pool.h  (internal to pkg/store)
//
// PgConnectionPool: the ledger's PostgreSQL sessions. Every call runs on a session of its own,
// taken from the pool under a short lock; the network I/O happens outside it, so a slow or
// stalled call holds up only its own thread, not every other caller of the store. Sessions are
// opened on demand (at most max_connections) with the ConnectionLimits, and each call has a
// client-side deadline (call_timeout): past it the session's socket is shut down, the call
// returns DeadlineExceeded and the session is dropped. A session that fails with Unavailable
// is dropped too, so the next call reconnects.
//
// Ownership: owns its sessions and its SocketWatchdog thread. Thread-safety: Run may be called
// concurrently from any thread.
#ifndef X3UI_PKG_STORE_PG_CONNECTION_POOL_H_
#define X3UI_PKG_STORE_PG_CONNECTION_POOL_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/store/connection_defaults.h"
#include "pkg/store/connection_string.h"
#include "pkg/store/socket_watchdog.h"

namespace pqxx {
class connection_base;
}

namespace x3ui::store {

struct PgOptions {
  ConnectionLimits limits;
  // Bounds one call on the client side: waiting for a free session, connecting, and the
  // statements themselves. Above statement_timeout, so that the server's cancel normally comes
  // first and this only catches a database that does not answer at all.
  std::chrono::milliseconds call_timeout{30000};
  size_t max_connections = 4;
};

class PgConnectionPool {
 public:
  using Work = std::function<Status(pqxx::connection_base&)>;

  // Reads `dsn` (InvalidArgument with a message that quotes nothing of it if libpq cannot);
  // connects nothing yet.
  static Result<std::unique_ptr<PgConnectionPool>> Open(const std::string& dsn, PgOptions options = {});
  ~PgConnectionPool();
  PgConnectionPool(const PgConnectionPool&) = delete;
  PgConnectionPool& operator=(const PgConnectionPool&) = delete;

  // Runs `fn` on a session; libpqxx exceptions become Status as GuardPg maps them, with `what`
  // in front.
  Status Run(const std::string& what, const Work& fn);

  const PgOptions& options() const { return options_; }

 private:
  struct Session;
  using Clock = SocketWatchdog::Clock;

  PgConnectionPool(ConnInfo info, PgOptions options);
  // An idle session, or null with a slot reserved for a new one; DeadlineExceeded when every
  // slot stays busy until `deadline`.
  Result<std::unique_ptr<Session>> Take(Clock::time_point deadline);
  // Returns a session to the pool, or frees its slot when `session` is null.
  void Give(std::unique_ptr<Session> session);
  Status RunOn(Session& session, const std::string& what, const Work& fn, Clock::time_point deadline);

  const ConnInfo info_;        // with the limits applied; holds the password
  const std::string conninfo_;
  const PgOptions options_;
  SocketWatchdog watchdog_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Session>> idle_;  // guarded by mu_
  size_t slots_used_ = 0;                        // guarded by mu_: idle, busy and connecting sessions
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_PG_CONNECTION_POOL_H_
