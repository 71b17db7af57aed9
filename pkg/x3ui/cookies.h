// File: pkg/x3ui/cookies.h
//
// Reading the cookies a panel sets (its `3x-ui` session cookie, `lang`, ...) from Set-Cookie
// header values, by hand: a regular expression recurses per character in libstdc++ and a
// 40 KB header overflowed the stack.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_X3UI_COOKIES_H_
#define X3UI_PKG_X3UI_COOKIES_H_

#include <string>
#include <string_view>
#include <vector>

#include "pkg/common/status.h"

namespace x3ui::panel {

struct Cookie {
  std::string name;
  std::string value;
  bool operator==(const Cookie&) const = default;
};

// The name=value pairs of one Set-Cookie header value, attributes (Path, Expires, ...) skipped.
// cpprestsdk joins repeated headers with ", ", so the value may hold several cookies; a comma
// also appears inside Expires dates, which is why only a piece that starts with name= begins a
// cookie. Pieces that are not a cookie, or whose name or value holds bytes a Cookie header
// cannot carry (controls, spaces, non-ASCII, '"', '\\'), are skipped.
// ResourceExhausted (reason "MalformedReply") when `header` is over kMaxSetCookieBytes.
Result<std::vector<Cookie>> ParseSetCookie(std::string_view header);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_COOKIES_H_
