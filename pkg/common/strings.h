// File: pkg/common/strings.h
//
// Small string helpers shared by modules. Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_STRINGS_H_
#define X3UI_PKG_COMMON_STRINGS_H_

#include <cctype>
#include <string>

namespace x3ui {

// `s` with ASCII letters lower-cased (header names, panel emails, which the panel compares
// case-insensitively); other bytes unchanged.
inline std::string AsciiLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_STRINGS_H_
