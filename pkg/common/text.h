// File: pkg/common/text.h
//
// UTF-8 checks and the one cleaner for foreign text (panel messages, Xray errors, library
// error strings) that becomes part of a Status message, a condition or an Event note.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_TEXT_H_
#define X3UI_PKG_COMMON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace x3ui {

// Foreign text in a message is cut to this many bytes. A condition message is capped at 32,768
// characters by the CRD (a longer one makes the API server refuse the whole status update), and
// one message may quote several foreign texts.
inline constexpr size_t kMaxForeignTextBytes = 1024;

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// The length of the longest prefix of `s` of at most `max_bytes` bytes that does not end inside
// a UTF-8 sequence (for valid UTF-8 input).
size_t Utf8PrefixLength(std::string_view s, size_t max_bytes);

// `text` fit to be quoted in a message: valid UTF-8 (each invalid byte becomes U+FFFD), ANSI
// escape sequences removed, tab and line breaks turned into spaces, every other control
// character (C0, DEL, C1) and bidirectional override turned into U+FFFD, and the result cut
// on a character boundary to at most `max_bytes` bytes, ending in "…" when cut.
// REQUIRES: max_bytes >= 3
std::string CleanForeignText(std::string_view text, size_t max_bytes = kMaxForeignTextBytes);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_TEXT_H_
