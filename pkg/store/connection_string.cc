#include "pkg/store/connection_string.h"

#include <libpq-fe.h>

#include <cctype>
#include <memory>
#include <vector>

namespace x3ui::store {
namespace {

bool IsUri(const std::string& text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

// A port list as libpq takes it: digits, comma-separated for several hosts.
bool IsPortList(const std::string& port) {
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != ',') return false;
  }
  return true;
}

std::string Get(const ConnInfo& info, const char* key) {
  auto it = info.find(key);
  return it == info.end() ? std::string() : it->second;
}

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

Result<ConnInfo> ParseConnectionString(const std::string& text) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(text.c_str(), &error),
                                                                        &PQconninfoFree);
  if (error != nullptr) PQfreemem(error);  // quotes the input: dropped unread
  if (!options) return Status::InvalidArgument(kInvalidConnectionString);
  ConnInfo info;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) info[o->keyword] = o->val;
  }
  const bool misparsed_uri = IsUri(text) && (Get(info, "host").find('@') != std::string::npos ||
                                             Get(info, "dbname").find('@') != std::string::npos);
  if (misparsed_uri || !IsPortList(Get(info, "port"))) {
    return Status::InvalidArgument(std::string(kInvalidConnectionString) +
                                   "; in a URI, percent-encode '@', '/', '?' and '#' in the password");
  }
  return info;
}

std::string DescribeConnectionString(const std::string& text) {
  Result<ConnInfo> info = ParseConnectionString(text);
  if (!info.ok()) return kInvalidConnectionString;
  std::string out;
  for (const char* key : {"host", "port", "dbname", "user"}) {
    auto it = info->find(key);
    if (it == info->end()) continue;
    if (!out.empty()) out += ' ';
    out += std::string(key) + "=" + it->second;
  }
  return out.empty() ? "(libpq defaults)" : out;
}

std::string FormatConnectionString(const ConnInfo& info) {
  std::string out;
  for (const auto& [key, value] : info) {
    if (!out.empty()) out += ' ';
    out += key + "='";
    for (char c : value) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out += '\'';
  }
  return out;
}

std::string RedactPassword(const std::string& text, const ConnInfo& info) {
  std::string out = text;
  const std::string password = Get(info, "password");
  ReplaceAll(out, password, "***");
  ReplaceAll(out, PercentEncode(password), "***");
  return out;
}

}  // namespace x3ui::store
