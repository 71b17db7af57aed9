#include "pkg/subscription/handler.h"

#include <map>

#include "pkg/common/url.h"

namespace x3ui::subscription {
namespace {

Reply NotFound() { return {http::Response{404, kNotFoundBody, "text/plain; charset=utf-8", {{"Cache-Control", "no-store"}}}, "none"}; }

std::string QueryValue(const std::string& query, const std::string& key) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string kv = query.substr(start, end - start);
    if (kv.rfind(key + "=", 0) == 0) return PercentDecode(kv.substr(key.size() + 1));
    start = end + 1;
  }
  return "";
}

std::string HeaderValue(const http::Request& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// "/sub/<token>" or "/sub/<token>/<format>": the token and the format ("" when absent); nullopt
// for any other path.
std::optional<std::pair<std::string, std::string>> SplitPath(const std::string& path) {
  static const std::string kPrefix = "/sub/";
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::string rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  std::string token = rest.substr(0, slash);
  std::string format = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (token.empty() || token.size() > 128 || format.find('/') != std::string::npos) return std::nullopt;
  return std::pair{token, format};
}

}  // namespace

Reply Respond(const http::Request& r, const Lookup& lookup, RateLimiter* limiter, RateLimiter::TimePoint now,
              const RenderOptions& options) {
  if (r.method != "GET" && r.method != "HEAD") {
    return {http::Response{405, "method not allowed\n", "text/plain; charset=utf-8", {{"Allow", "GET, HEAD"}}}, "none"};
  }
  if (int wait = limiter ? limiter->Take(r.remote_ip, now) : 0; wait > 0) {
    return {http::Response{429, "too many requests\n", "text/plain; charset=utf-8", {{"Retry-After", std::to_string(wait)}}},
            "none"};
  }
  auto parts = SplitPath(r.path);
  if (!parts) return NotFound();
  const std::optional<Format> format = ChooseFormat(parts->second, QueryValue(r.query, "format"),
                                                    HeaderValue(r, "user-agent"), HeaderValue(r, "accept"));
  std::optional<UserView> user = lookup(parts->first);
  if (!format || !user) return NotFound();
  Rendered body = Render(*user, *format, options);
  std::string etag;
  for (const auto& [k, v] : body.headers) {
    if (k == "ETag") etag = v;
  }
  Reply reply{http::Response{200, std::move(body.body), body.content_type, std::move(body.headers)}, FormatName(*format)};
  if (HeaderValue(r, "if-none-match") == etag) {
    reply.response.status = 304;
    reply.response.body.clear();
  }
  return reply;
}

}  // namespace x3ui::subscription
