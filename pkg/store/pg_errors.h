// File: pkg/store/pg_errors.h  (internal to pkg/store)
//
// The one place where libpqxx exceptions become Status values. Messages name what was being
// done and the server's reason; they never include the connection string or its password.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_STORE_PG_ERRORS_H_
#define X3UI_PKG_STORE_PG_ERRORS_H_

#include <functional>
#include <string>

#include "pkg/common/status.h"
#include "pkg/store/connection_string.h"

namespace x3ui::store {

// Runs `fn` and maps what it throws: broken connections and unknown commit outcomes to
// Unavailable, unique violations to AlreadyExists, a cancelled statement (statement_timeout) to
// DeadlineExceeded, other SQL errors to Internal, anything else
// to Internal. `info`'s password is cut out of every message.
Status GuardPg(const std::string& what, const ConnInfo& info, const std::function<Status()>& fn);

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_PG_ERRORS_H_
