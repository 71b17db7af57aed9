// File: pkg/common/base64.h
//
// Standard base64 (RFC 4648, with padding), as Go's base64.StdEncoding and Kubernetes use it.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_COMMON_BASE64_H_
#define X3UI_PKG_COMMON_BASE64_H_

#include <optional>
#include <string>

namespace x3ui {

std::string Base64Encode(const std::string& s);
// nullopt for anything that is not padded standard base64 (whitespace and newlines are skipped).
std::optional<std::string> Base64Decode(const std::string& s);

}  // namespace x3ui

#endif  // X3UI_PKG_COMMON_BASE64_H_
