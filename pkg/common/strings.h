// File: pkg/common/strings.h
//
// Small string helpers shared by modules. Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_STRINGS_H_
#define X3UI_PKG_COMMON_STRINGS_H_

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

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

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_STRINGS_H_
