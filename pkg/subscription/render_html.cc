// File: pkg/subscription/render_html.cc
//
// The `html` body, for a user who opens the URL in a browser: a self-contained page (no
// external assets, no script; one inline stylesheet the Content-Security-Policy allows by its
// hash) with the user's name, the traffic limit and the expiry, and each served link in a
// <code> block beside its QR code (inline SVG), for copying into an app or scanning with a phone.
// Every text from outside (names, links) is HTML-escaped: a link's name is whatever the panel
// or the node's spec says.
//
// Thread-safety: pure functions.
#include <ctime>

#include "pkg/common/base64.h"
#include "pkg/subscription/bodies.h"
#include "pkg/subscription/qr_svg.h"
#include "pkg/subscription/token_index.h"

namespace x3ui::subscription {
namespace {

constexpr char kStyle[] =
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "section{border-top:1px solid #ddd;padding:1rem 0}"
    "code{display:block;word-break:break-all;background:#f4f4f4;padding:.5rem;user-select:all}"
    ".qr{width:14rem;height:14rem;margin-top:.5rem}"
    ".reason{color:#a00}";

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Bytes(int64_t n) {
  if (n <= 0) return "unlimited";
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string Date(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "never";
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// The name an app would show: the parsed link's, else the link's scheme.
std::string LinkTitle(const std::string& link) {
  if (std::optional<ParsedLink> l = ParseShareLink(link)) return l->name;
  return link.substr(0, link.find("://"));
}

std::string LinkSection(const std::string& link) {
  return "<section><h2>" + HtmlEscape(LinkTitle(link)) + "</h2><code>" + HtmlEscape(link) + "</code>" + QrSvg(link) +
         "</section>\n";
}

}  // namespace

std::string HtmlContentSecurityPolicy() {
  const Digest d = Sha256(kStyle);
  return "default-src 'none'; style-src 'sha256-" + Base64Encode(std::string(d.begin(), d.end())) +
         "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

std::string HtmlBody(const UserView& u, const Served& s) {
  const std::string name = HtmlEscape(u.name);
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<meta name=\"referrer\" content=\"no-referrer\"><title>" +
                     name + "</title><style>" + kStyle + "</style></head>\n<body><h1>" + name + "</h1>\n";
  page += "<p>Traffic limit: " + Bytes(u.total_bytes) + ". Expires: " + Date(u.expiry_unix) + ".</p>\n";
  if (!s.reason.empty()) page += "<p class=\"reason\">" + HtmlEscape(s.reason) + "</p>\n";
  page += "<p>Add this page's address to a VPN app as a subscription, or copy a link, or scan its code.</p>\n";
  for (const std::string& link : s.links) page += LinkSection(link);
  return page + "</body></html>\n";
}

}  // namespace x3ui::subscription
