#include "pkg/store/pg_errors.h"

#include "pkg/store/connection_string.h"

namespace x3ui::store {

namespace {

// libpq's messages can echo connection parameters; strip anything that looks like a password.
std::string Clean(const std::string& msg) {
  std::string out = RedactConnectionString(msg);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

Status GuardPg(const std::string& what, const std::function<Status()>& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(what + ": database unreachable: " + Clean(e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    return Status::Unavailable(what + ": connection lost during commit, outcome unknown: " + Clean(e.what()));
  } catch (const pqxx::unique_violation& e) {
    return Status::AlreadyExists(what + ": " + Clean(e.what()));
  } catch (const pqxx::sql_error& e) {
    // The server closing our session (admin shutdown) surfaces as an SQL error with this state.
    std::string state = e.sqlstate();
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
      return Status::Unavailable(what + ": database unavailable: " + Clean(e.what()));
    }
    return Status::Internal(what + ": " + Clean(e.what()));
  } catch (const std::exception& e) {
    return Status::Internal(what + ": " + Clean(e.what()));
  }
}

Status RunPg(const std::string& dsn, const std::string& what, const std::function<Status(pqxx::connection&)>& fn) {
  return GuardPg(what, [&]() -> Status {
    pqxx::connection c(dsn);
    return fn(c);
  });
}

}  // namespace x3ui::store
