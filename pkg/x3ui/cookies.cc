#include "pkg/x3ui/cookies.h"

#include "pkg/common/strings.h"
#include "pkg/x3ui/limits.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::panel {
namespace {

// RFC 6265 cookie-octet: printable ASCII but space, '"', ',', ';' and '\\'.
bool IsCookieOctet(unsigned char c) { return c > 0x20 && c < 0x7F && c != '"' && c != ',' && c != ';' && c != '\\'; }

// RFC 7230 token characters.
bool IsTokenChar(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  return std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) == std::string_view::npos;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsAttributeName(std::string_view name) {
  for (const char* a : {"path", "expires", "max-age", "domain", "secure", "httponly", "samesite", "priority",
                        "partitioned"}) {
    if (AsciiEqualFold(name, a)) return true;
  }
  return false;
}

// The cookie at the start of `piece` ("name=value; attributes"), if it is one.
bool ParsePair(std::string_view piece, Cookie* out) {
  std::string_view pair = Trim(piece.substr(0, piece.find(';')));
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  std::string_view name = pair.substr(0, eq), value = Trim(pair.substr(eq + 1));
  for (unsigned char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  std::string_view octets = value;
  if (octets.size() >= 2 && octets.front() == '"' && octets.back() == '"') octets = octets.substr(1, octets.size() - 2);
  for (unsigned char c : octets) {
    if (!IsCookieOctet(c)) return false;
  }
  if (IsAttributeName(name)) return false;
  *out = Cookie{std::string(name), std::string(value)};
  return true;
}

}  // namespace

Result<std::vector<Cookie>> ParseSetCookie(std::string_view header) {
  if (header.size() > kMaxSetCookieBytes) {
    return Status::ResourceExhausted("the panel sent a Set-Cookie header of " + std::to_string(header.size()) +
                                     " bytes, over the limit of " + std::to_string(kMaxSetCookieBytes))
        .WithReason(kReasonMalformedReply);
  }
  std::vector<Cookie> out;
  while (true) {
    size_t comma = header.find(',');
    Cookie c;
    if (ParsePair(header.substr(0, comma), &c)) out.push_back(std::move(c));
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace x3ui::panel
