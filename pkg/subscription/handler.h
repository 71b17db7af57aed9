// File: pkg/subscription/handler.h
//
// One subscription request to its reply: GET or HEAD /sub/<token>[/<format>] (?format=
// overrides; else the User-Agent and Accept headers decide, see format.h). Rate-limited per
// client IP first (429 + Retry-After), then the token is looked up; an unknown or rotated
// token, an unknown format or any other path gets the same 404 body. If-None-Match equal to the
// body's ETag gets 304. HEAD is answered as GET (the HTTP server sends the head only, with the
// body's Content-Length). The token is never logged: the handler logs nothing.
//
// Thread-safety: Respond is safe concurrently as far as `lookup` and the limiter are.
#ifndef X3UI_PKG_SUBSCRIPTION_HANDLER_H_
#define X3UI_PKG_SUBSCRIPTION_HANDLER_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "pkg/http/http_server.h"
#include "pkg/subscription/rate_limiter.h"
#include "pkg/subscription/render.h"

namespace x3ui::subscription {

inline constexpr char kNotFoundBody[] = "not found\n";

struct Reply {
  http::Response response;
  std::string format;  // the metric label: a FormatName (format.h), or none
};

using Lookup = std::function<std::optional<UserView>(const std::string& token)>;

Reply Respond(const http::Request& r, const Lookup& lookup, RateLimiter* limiter, RateLimiter::TimePoint now,
              const RenderOptions& options);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_HANDLER_H_
