// File: pkg/store/connection_string.h
//
// Connection strings hold passwords; these helpers keep them out of logs and errors.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_STORE_CONNECTION_STRING_H_
#define X3UI_PKG_STORE_CONNECTION_STRING_H_

#include <string>

namespace x3ui::store {

// `text` with any password replaced by "***": URI user-info (scheme://user:pw@host) and
// password=... in key/value strings or URI query parameters. Safe on arbitrary text.
std::string RedactConnectionString(const std::string& text);

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_CONNECTION_STRING_H_
