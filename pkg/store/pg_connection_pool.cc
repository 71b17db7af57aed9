#include "pkg/store/pg_connection_pool.h"

#include <pqxx/pqxx>

#include "pkg/store/pg_errors.h"

namespace x3ui::store {

struct PgConnectionPool::Session {
  explicit Session(const std::string& conninfo) : c(conninfo) {}
  pqxx::connection c;
};

namespace {

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + " s";
}

}  // namespace

Result<std::unique_ptr<PgConnectionPool>> PgConnectionPool::Open(const std::string& dsn, PgOptions options) {
  Result<ConnInfo> info = ParseConnectionString(dsn);
  if (!info.ok()) return info.status();
  if (options.max_connections == 0) options.max_connections = 1;
  ConnInfo limited = WithConnectionLimits(std::move(info).value(), options.limits);
  return std::unique_ptr<PgConnectionPool>(new PgConnectionPool(std::move(limited), options));
}

PgConnectionPool::PgConnectionPool(ConnInfo info, PgOptions options)
    : info_(std::move(info)), conninfo_(FormatConnectionString(info_)), options_(options) {}

PgConnectionPool::~PgConnectionPool() = default;

Result<std::unique_ptr<PgConnectionPool::Session>> PgConnectionPool::Take(Clock::time_point deadline) {
  std::unique_lock<std::mutex> l(mu_);
  if (!freed_.wait_until(l, deadline, [this] { return !idle_.empty() || slots_used_ < options_.max_connections; })) {
    return Status::DeadlineExceeded("all " + std::to_string(options_.max_connections) +
                                    " ledger connections stayed busy for " + Seconds(options_.call_timeout));
  }
  if (!idle_.empty()) {
    std::unique_ptr<Session> s = std::move(idle_.back());
    idle_.pop_back();
    return s;
  }
  ++slots_used_;
  return std::unique_ptr<Session>();
}

void PgConnectionPool::Give(std::unique_ptr<Session> session) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (session) {
      idle_.push_back(std::move(session));
    } else {
      --slots_used_;
    }
  }
  freed_.notify_one();
}

Status PgConnectionPool::RunOn(Session& session, const std::string& what, const Work& fn, Clock::time_point deadline) {
  const uint64_t watch = watchdog_.Arm(session.c.sock(), deadline);
  Status s = GuardPg(what, info_, [&] { return fn(session.c); });
  if (watchdog_.Disarm(watch)) {
    return Status::DeadlineExceeded(what + ": the database did not answer within " + Seconds(options_.call_timeout));
  }
  return s;
}

Status PgConnectionPool::Run(const std::string& what, const Work& fn) {
  const Clock::time_point deadline = Clock::now() + options_.call_timeout;
  Result<std::unique_ptr<Session>> taken = Take(deadline);
  if (!taken.ok()) return taken.status().WithContext(what);
  std::unique_ptr<Session> session = std::move(taken).value();
  if (!session) {
    // Bounded by connect_timeout; a session is opened outside mu_ like any other I/O.
    Status connected = GuardPg(what, info_, [&] {
      session = std::make_unique<Session>(conninfo_);
      return Status::Ok();
    });
    if (!connected.ok()) {
      Give(nullptr);
      return connected;
    }
  }
  Status s = RunOn(*session, what, fn, deadline);
  const bool broken = s.code() == Status::Code::kUnavailable || s.code() == Status::Code::kDeadlineExceeded;
  if (broken) session.reset();
  Give(std::move(session));
  return s;
}

}  // namespace x3ui::store
