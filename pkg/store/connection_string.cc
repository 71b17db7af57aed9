#include "pkg/store/connection_string.h"

#include <regex>

namespace x3ui::store {

std::string RedactConnectionString(const std::string& text) {
  // URI form: scheme://user:password@host/... -> scheme://user:***@host/...
  static const std::regex kUserInfo(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@?#\s]*):[^@/?#\s]*@)");
  // Key/value form and URI query parameters: password=... (quoted or not).
  static const std::regex kKeyValue(R"((password\s*=\s*)('([^'\\]|\\.)*'|[^\s&]*))", std::regex::icase);
  std::string out = std::regex_replace(text, kUserInfo, "$1:***@");
  return std::regex_replace(out, kKeyValue, "$1***");
}

}  // namespace x3ui::store
