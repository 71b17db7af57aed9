#include "pkg/common/text.h"

#include <algorithm>

namespace x3ui {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";      // U+2026

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 sequence starting at s[i], or 0 if there is none.
size_t SequenceLength(std::string_view s, size_t i) {
  const auto at = [&s](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!IsContinuation(at(i + k))) return 0;
  }
  return n;
}

// The index just past the escape sequence that starts with ESC at s[i]: CSI (ESC [ params
// final), OSC (ESC ] ... BEL or ESC \), or ESC and one more byte.
size_t SkipEscape(std::string_view s, size_t i) {
  size_t k = i + 1;
  if (k >= s.size()) return k;
  if (s[k] == '[') {
    for (++k; k < s.size(); ++k) {
      const unsigned char c = static_cast<unsigned char>(s[k]);
      if (c >= 0x40 && c <= 0x7E) return k + 1;  // the final byte
      if (c < 0x20 || c > 0x3F) return k;        // not a CSI byte: the sequence is broken here
    }
    return k;
  }
  if (s[k] == ']') {
    for (++k; k < s.size(); ++k) {
      if (s[k] == '\a') return k + 1;
      if (s[k] == '\x1B' && k + 1 < s.size() && s[k + 1] == '\\') return k + 2;
    }
    return k;
  }
  const unsigned char c = static_cast<unsigned char>(s[k]);
  return c >= 0x20 && c <= 0x7E ? k + 1 : k;
}

// What the valid n-byte sequence at s[i] becomes in cleaned text.
std::string_view CleanSequence(std::string_view s, size_t i, size_t n) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (n == 1) {
    if (c == '\t' || c == '\n' || c == '\r') return " ";
    if (c < 0x20 || c == 0x7F) return kReplacement;
    return s.substr(i, 1);
  }
  const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if (n == 2 && c == 0xC2 && c1 < 0xA0) return kReplacement;  // C1 controls U+0080..U+009F
  if (n == 3 && c == 0xE2) {
    const unsigned char c2 = static_cast<unsigned char>(s[i + 2]);
    if (c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9)) return " ";                // line/paragraph separator
    if (c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE) return kReplacement;          // U+202A..U+202E
    if (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9) return kReplacement;          // U+2066..U+2069
  }
  return s.substr(i, n);
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t Utf8PrefixLength(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  size_t cut = max_bytes;
  while (cut > 0 && IsContinuation(static_cast<unsigned char>(s[cut]))) --cut;
  return cut;
}

std::string CleanForeignText(std::string_view text, size_t max_bytes) {
  if (max_bytes < kEllipsis.size()) max_bytes = kEllipsis.size();
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + kEllipsis.size());
  // Cleaning stops as soon as the output is longer than allowed; only then is it cut.
  for (size_t i = 0; i < text.size() && out.size() <= max_bytes;) {
    if (text[i] == '\x1B') {
      i = SkipEscape(text, i);
      continue;
    }
    const size_t n = SequenceLength(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out += CleanSequence(text, i, n);
    i += n;
  }
  if (out.size() > max_bytes) {
    out.resize(Utf8PrefixLength(out, max_bytes - kEllipsis.size()));
    out += kEllipsis;
  }
  return out;
}

}  // namespace x3ui
