// File: pkg/x3ui/limits.h
//
// The bounds put on what a panel may send, in one place. Each one is well above what a real
// 3x-ui panel sends and well below what would hurt the operator, which talks to many panels
// at once.
//
// Thread-safety: constants.
#ifndef X3UI_PKG_X3UI_LIMITS_H_
#define X3UI_PKG_X3UI_LIMITS_H_

#include <cstddef>

namespace x3ui::panel {

// The largest reply body read. The largest real reply is the inbound list: about 560 bytes per
// client (its entry in the settings string plus its clientStats row), so ~11 MB for an inbound
// with 20,000 clients. Parsed, a body takes 5-10 times its size in memory, and every panel of
// the fleet may be read at once, so the bound is kept close to that.
inline constexpr size_t kMaxReplyBytes = 16 * 1024 * 1024;

// The largest Set-Cookie header accepted (all of a reply's Set-Cookie headers together, as
// cpprestsdk joins them). 3x-ui's session cookie is ~300 bytes; browsers keep at most 4 KiB
// per cookie.
inline constexpr size_t kMaxSetCookieBytes = 8 * 1024;

// The largest total size of a reply's header names and values.
inline constexpr size_t kMaxHeaderBytes = 64 * 1024;

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_LIMITS_H_
