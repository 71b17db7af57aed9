// File: pkg/common/url.h
//
// Percent-encoding for URL paths, queries and fragments, and decoding.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_URL_H_
#define X3UI_PKG_COMMON_URL_H_

#include <string>
#include <string_view>

namespace x3ui {

// Percent-encodes every byte except ASCII letters, digits and the characters in `safe`; with
// `space_as_plus` a space becomes '+' (form and Go url.QueryEscape style).
std::string PercentEncode(std::string_view s, std::string_view safe, bool space_as_plus = false);

// Go's url.QueryEscape: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, space as '+'.
inline std::string QueryEscape(std::string_view s) { return PercentEncode(s, "-_.~", true); }

// Decodes %XX sequences (malformed ones are kept as they are); with `plus_as_space`, '+' is a
// space (form bodies).
std::string PercentDecode(std::string_view s, bool plus_as_space = false);

// The host and port of `url` ("https://user:pw@panel.example.com:2053/base/" ->
// "panel.example.com:2053"): what a message may say about a panel. The path is left out because a
// panel's web base path is a secret of sorts (3x-ui's installer picks a random one), and any
// user:password@ part because it is one.
std::string UrlHostPort(std::string_view url);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_URL_H_
