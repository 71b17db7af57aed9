// File: pkg/store/pg_errors.h  (internal to pkg/store)
//
// The one place where libpqxx exceptions become Status values. Messages name what was being
// done and the server's reason; they never include the connection string.
#ifndef X3UI_PKG_STORE_PG_ERRORS_H_
#define X3UI_PKG_STORE_PG_ERRORS_H_

#include <functional>
#include <string>

#include <pqxx/pqxx>

#include "pkg/common/status.h"

namespace x3ui::store {

// Runs `fn` and maps what it throws: broken connections and unknown commit outcomes to
// Unavailable, unique violations to AlreadyExists, other SQL errors to Internal, anything else
// to Internal.
Status GuardPg(const std::string& what, const std::function<Status()>& fn);

// Opens a connection to `dsn`, runs `fn` on it, closes it; errors as GuardPg.
Status RunPg(const std::string& dsn, const std::string& what, const std::function<Status(pqxx::connection&)>& fn);

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_PG_ERRORS_H_
