#include "pkg/subscription/render.h"

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "pkg/common/base64.h"
#include "pkg/subscription/bodies.h"
#include "pkg/subscription/token_index.h"

namespace x3ui::subscription {
namespace {

std::string Base64Body(const std::vector<std::string>& links) {
  std::string joined;
  for (const auto& l : links) joined += l + "\n";
  return Base64Encode(joined);
}

std::string InfoBody(const UserView& u, const Served& s) {
  nlohmann::json j = {{"user", u.name},
                      {"enabled", u.enabled},
                      {"node", u.node},
                      {"phase", u.phase},
                      {"limits", {{"totalBytes", u.total_bytes}, {"ipLimit", u.ip_limit}}},
                      {"expiry", u.expiry_unix},
                      {"links", s.links}};
  if (!s.reason.empty()) j["reason"] = s.reason;
  return JsonBody(j);
}

// The name as a quoted header parameter: letters, digits, '.', '_' and '-' kept, anything else
// '_'. An assignment's name is a DNS subdomain already; this keeps a header from being split or
// its quotes closed whatever the name holds.
std::string HeaderSafeFileName(const std::string& name) {
  std::string out = name.substr(0, 200);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return out.empty() ? "subscription" : out;
}

struct Body {
  std::string text, content_type;
};

Body BodyOf(const UserView& u, const Served& s, Format f) {
  constexpr char kJson[] = "application/json; charset=utf-8";
  switch (f) {
    case Format::kClash: return {ClashBody(ParseShareLinks(s.links)), "text/yaml; charset=utf-8"};
    case Format::kSingbox: return {SingboxBody(ParseShareLinks(s.links)), kJson};
    case Format::kXray: return {XrayBody(ParseShareLinks(s.links)), kJson};
    case Format::kHtml: return {HtmlBody(u, s), "text/html; charset=utf-8"};
    case Format::kInfo: return {InfoBody(u, s), kJson};
    case Format::kBase64: break;
  }
  return {Base64Body(s.links), "text/plain; charset=utf-8"};
}

}  // namespace

std::string JsonBody(const nlohmann::json& j) {
  // A link's name is the panel's inbound remark: bytes that are not UTF-8 become U+FFFD rather
  // than an exception (which would answer this user 500 until the remark changes).
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string ETagOf(const std::string& body) {
  const Digest d = Sha256(body);
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", d[i]);
  return "\"" + std::string(hex, 32) + "\"";
}

std::string UserInfoHeader(const UserView& u) {
  return "upload=0; download=0; total=" + std::to_string(u.total_bytes) + "; expire=" + std::to_string(u.expiry_unix);
}

Rendered Render(const UserView& u, Format f, const RenderOptions& o) {
  const Served s = HealthFilter(u);
  Body body = BodyOf(u, s, f);
  Rendered r{std::move(body.text), std::move(body.content_type), {}};
  const std::string title = s.reason.empty() ? u.name : u.name + ": " + s.reason;
  // A browser shows the page; an app saves the file under the user's name.
  const std::string disposition = f == Format::kHtml ? "inline" : "attachment; filename=\"" + HeaderSafeFileName(u.name) + "\"";
  r.headers = {{"subscription-userinfo", UserInfoHeader(u)},
               {"profile-update-interval", std::to_string(o.update_interval_hours)},
               {"profile-title", "base64:" + Base64Encode(title)},
               {"content-disposition", disposition},
               {"Cache-Control", "no-store"},
               // The body follows the User-Agent and Accept headers when the URL names no format.
               {"Vary", "User-Agent, Accept"},
               {"ETag", ETagOf(r.body)}};
  if (f == Format::kHtml) r.headers.push_back({"Content-Security-Policy", HtmlContentSecurityPolicy()});
  if (!s.reason.empty()) r.headers.push_back({"announce", "base64:" + Base64Encode(s.reason)});
  return r;
}

}  // namespace x3ui::subscription
