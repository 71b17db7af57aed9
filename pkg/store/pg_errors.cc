#include "pkg/store/pg_errors.h"

#include <pqxx/pqxx>

namespace x3ui::store {

namespace {

// libpq's messages end in a newline and may name connection parameters.
std::string Clean(const std::string& msg, const ConnInfo& info) {
  std::string out = RedactPassword(msg, info);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

Status GuardPg(const std::string& what, const ConnInfo& info, const std::function<Status()>& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(what + ": database unreachable: " + Clean(e.what(), info));
  } catch (const pqxx::in_doubt_error& e) {
    return Status::Unavailable(what + ": connection lost during commit, outcome unknown: " + Clean(e.what(), info));
  } catch (const pqxx::unique_violation& e) {
    return Status::AlreadyExists(what + ": " + Clean(e.what(), info));
  } catch (const pqxx::sql_error& e) {
    // The server closing our session (admin shutdown) surfaces as an SQL error with this state.
    std::string state = e.sqlstate();
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
      return Status::Unavailable(what + ": database unavailable: " + Clean(e.what(), info));
    }
    // query_canceled: statement_timeout ran out (or someone cancelled us); worth retrying.
    if (state == "57014") return Status::DeadlineExceeded(what + ": " + Clean(e.what(), info));
    return Status::Internal(what + ": " + Clean(e.what(), info));
  } catch (const std::exception& e) {
    return Status::Internal(what + ": " + Clean(e.what(), info));
  }
}

}  // namespace x3ui::store
