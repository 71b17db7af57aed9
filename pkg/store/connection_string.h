// File: pkg/store/connection_string.h
//
// Reading a PostgreSQL connection string (a postgresql:// URI or a key=value string) the way
// libpq reads it, so that what the operator prints, checks and connects with is exactly what
// libpq will use. Connection strings hold passwords: nothing here ever returns or quotes the
// input text, only values of named keywords, and DescribeConnectionString shows host, port,
// dbname and user only.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_STORE_CONNECTION_STRING_H_
#define X3UI_PKG_STORE_CONNECTION_STRING_H_

#include <map>
#include <string>

#include "pkg/common/status.h"

namespace x3ui::store {

// The one message for a string libpq cannot read. libpq's own parse errors quote the token they
// stopped at, which can be part of a password, so they are never passed on.
inline constexpr char kInvalidConnectionString[] =
    "DATABASE_URL is not a valid PostgreSQL connection string (URI or key=value)";

// The keywords the string sets, with their values as libpq decodes them (percent-decoding,
// quotes and backslashes undone). Keywords the string leaves unset are absent.
using ConnInfo = std::map<std::string, std::string>;

// Parses `text` with libpq's PQconninfoParse. InvalidArgument(kInvalidConnectionString, plus a
// fixed hint for a URI) if libpq refuses it, or if it is a URI whose host or dbname holds an '@'
// or whose port is not a number: that is what an unencoded '@' or '/' in a password turns into,
// and connecting would send the rest of the password to a host named after part of it.
Result<ConnInfo> ParseConnectionString(const std::string& text);

// "host=db port=5432 dbname=x3ui user=x3ui" (the ones set, in that order), "(libpq defaults)"
// when none is, or kInvalidConnectionString: safe to print and log.
std::string DescribeConnectionString(const std::string& text);

// A key=value string that libpq reads as exactly `info` (each value single-quoted, quotes and
// backslashes escaped with a backslash).
std::string FormatConnectionString(const ConnInfo& info);

// `text` with every occurrence of `info`'s password (as given and percent-encoded, as it may
// appear in a URI) replaced by "***". For error messages from libpq and libpqxx.
std::string RedactPassword(const std::string& text, const ConnInfo& info);

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_CONNECTION_STRING_H_
