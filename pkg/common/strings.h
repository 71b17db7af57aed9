// File: pkg/common/strings.h
//
// Small string helpers shared by modules. Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_STRINGS_H_
#define X3UI_PKG_COMMON_STRINGS_H_

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace x3ui {

// `s` with ASCII letters lower-cased (header names, panel emails, which the panel compares
// case-insensitively); other bytes unchanged.
inline std::string AsciiLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether `a` and `b` are equal ignoring ASCII case, without building lower-cased copies.
inline bool AsciiEqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// `s` cut at every `sep`, empty parts kept ("a,,b" gives "a", "", "b"; "" gives one "").
inline std::vector<std::string> SplitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// `s` without leading and trailing spaces and tabs.
inline std::string TrimBlanks(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_STRINGS_H_
