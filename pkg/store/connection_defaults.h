// File: pkg/store/connection_defaults.h
//
// The limits every ledger connection carries so that a database that stops answering turns
// into an error instead of a stalled operator: libpq's connect_timeout (the whole handshake,
// not only the TCP connect), TCP keepalives (a peer that vanished while the connection sat idle
// in the pool), and a server-side statement_timeout. A value the user's connection string (or
// libpq's PGCONNECT_TIMEOUT / PGOPTIONS environment) already sets wins over ours.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_STORE_CONNECTION_DEFAULTS_H_
#define X3UI_PKG_STORE_CONNECTION_DEFAULTS_H_

#include <chrono>
#include <cstdlib>
#include <functional>

#include "pkg/store/connection_string.h"

namespace x3ui::store {

struct ConnectionLimits {
  std::chrono::seconds connect_timeout{5};  // libpq treats values below 2 s as 2 s
  std::chrono::seconds keepalives_idle{30};
  std::chrono::seconds keepalives_interval{10};
  int keepalives_count = 3;
  std::chrono::milliseconds statement_timeout{10000};
};

using GetEnv = std::function<const char*(const char*)>;

// `info` with connect_timeout, keepalives, keepalives_idle, keepalives_interval,
// keepalives_count and "-c statement_timeout=N" in options, each only where neither `info` nor
// the environment sets it. Options the user gives (in `info` or PGOPTIONS) are kept, ours
// appended.
ConnInfo WithConnectionLimits(ConnInfo info, const ConnectionLimits& limits, const GetEnv& getenv = std::getenv);

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_CONNECTION_DEFAULTS_H_
