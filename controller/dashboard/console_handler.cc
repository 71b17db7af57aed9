#include "controller/dashboard/console_handler.h"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

#include "controller/dashboard/assets.h"
#include "controller/dashboard/fleet_view.h"
#include "controller/dashboard/moves_view.h"
#include "controller/dashboard/user_lookup.h"
#include "pkg/api/json.h"
#include "pkg/common/strings.h"
#include "pkg/common/url.h"

namespace x3ui::controller::dashboard {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr size_t kMaxQueryChars = 256;

// The informer's objects decoded; one that does not decode (a CRD newer than this operator,
// say) is left out of the console rather than failing it.
template <typename T>
std::vector<T> DecodeAll(const std::vector<api::Json>& objects, Result<T> (*decode)(const api::Json&)) {
  std::vector<T> out;
  out.reserve(objects.size());
  for (const api::Json& o : objects) {
    if (Result<T> r = decode(o); r.ok()) out.push_back(std::move(r).value());
  }
  return out;
}

// Invalid UTF-8 in a field (a panel's version string, say) becomes U+FFFD instead of an
// exception.
std::string Dump(const api::Json& j) { return j.dump(-1, ' ', false, api::Json::error_handler_t::replace); }

http::Response Reply(int status, std::string body, std::string content_type) {
  return http::Response{status, std::move(body), std::move(content_type), {}};
}

http::Response Text(int status, std::string body) { return Reply(status, std::move(body), "text/plain; charset=utf-8"); }

// The headers every console response carries (see the header comment).
void Harden(http::Response* r) {
  r->headers.insert(r->headers.end(),
                    {{"Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
                      "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"},
                     {"X-Content-Type-Options", "nosniff"},
                     {"Cache-Control", "no-store"},
                     {"Referrer-Policy", "no-referrer"},
                     {"X-Frame-Options", "DENY"}});
}

// localhost, an IPv4 address or a bracketed IPv6 address, with or without a port: what a
// browser sends through kubectl port-forward, and never a rebound DNS name.
bool LocalHost(const http::Request& r) {
  auto it = r.headers.find("host");
  if (it == r.headers.end()) return false;
  std::string host = AsciiLower(it->second);
  if (!host.empty() && host.front() == '[') return host.find(']') != std::string::npos;
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

// The value of `name` in a query string ("" when absent), '+' as a space.
std::string QueryParam(const std::string& query, const std::string& name) {
  for (const std::string& part : SplitOn(query, '&')) {
    if (part.rfind(name + "=", 0) == 0) return PercentDecode(part.substr(name.size() + 1), true);
  }
  return "";
}

}  // namespace

ConsoleHandler::ConsoleHandler(ConsoleSources sources, const ChangeFeed* feed, std::chrono::milliseconds event_wait)
    : sources_(std::move(sources)), feed_(feed), event_wait_(event_wait) {}

http::Response ConsoleHandler::Handle(const http::Request& r) const {
  http::Response out;
  try {
    out = Route(r);
  } catch (const std::exception& e) {
    spdlog::error("fleet console: {} {} threw: {}", r.method, r.path, e.what());
    out = Text(500, "internal error\n");
  }
  Harden(&out);
  return out;
}

http::Response ConsoleHandler::Route(const http::Request& r) const {
  if (r.method != "GET" && r.method != "HEAD") {
    http::Response out = Text(405, "the fleet console is read-only: GET and HEAD only\n");
    out.headers.push_back({"Allow", "GET, HEAD"});
    return out;
  }
  if (!LocalHost(r)) return Text(403, "the fleet console answers to localhost or an IP address only (kubectl port-forward)\n");
  if (r.path == "/" || r.path == "/index.html") return Reply(200, kIndexHtml, "text/html; charset=utf-8");
  if (r.path == "/console.css") return Reply(200, kConsoleCss, "text/css; charset=utf-8");
  if (r.path == "/console.js") return Reply(200, kConsoleJs, "text/javascript; charset=utf-8");
  if (r.path == "/favicon.ico") return Text(204, "");  // none: spares every page load a 404
  if (r.path == "/api/fleet") return Reply(200, Current()->json, kJson);
  if (r.path == "/api/users") return Users(r);
  if (r.path == "/events") return Events(r);
  return Text(404, "not found\n");
}

std::shared_ptr<const ConsoleHandler::Snapshot> ConsoleHandler::Current() const {
  const std::string version = feed_->Version();
  const TimePoint now = sources_.clock->Now();
  {
    MutexLock l(mu_);
    if (cached_ && (cached_->version == version || now < next_build_)) return cached_;
  }
  // Built outside the lock; two requests racing build twice, and either result is current
  // (each read the caches after reading `version`).
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const Snapshot> built = Build(version);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  MutexLock l(mu_);
  cached_ = built;
  next_build_ = now + std::max(kMinRebuildInterval, kRebuildCostFactor * took);
  return built;
}

std::shared_ptr<const ConsoleHandler::Snapshot> ConsoleHandler::Build(const std::string& version) const {
  const std::vector<api::VpnNode> nodes = DecodeAll(sources_.nodes(), &api::DecodeVpnNode);
  const std::vector<api::VpnAssignment> assignments = DecodeAll(sources_.assignments(), &api::DecodeVpnAssignment);
  const std::vector<api::VpnMigration> migrations = DecodeAll(sources_.migrations(), &api::DecodeVpnMigration);
  const TimePoint now = sources_.clock->Now();
  api::Json j = {{"version", version},
                 {"generatedAt", FormatRfc3339(now)},
                 {"synced", sources_.synced()},
                 {"assignments", assignments.size()},
                 {"fleet", ToJson(BuildFleetView(nodes))},
                 {"moves", ToJson(BuildMovesView(nodes, assignments, migrations, now))}};
  return std::make_shared<const Snapshot>(Snapshot{version, Dump(j)});
}

http::Response ConsoleHandler::Events(const http::Request& r) const {
  if (auto seen = r.headers.find("last-event-id"); seen != r.headers.end() && seen->second == feed_->Version()) {
    (void)feed_->WaitPast(seen->second, event_wait_);
  }
  std::shared_ptr<const Snapshot> s = Current();
  return Reply(200, "retry: 1000\nid: " + s->version + "\ndata: " + s->json + "\n\n", "text/event-stream; charset=utf-8");
}

http::Response ConsoleHandler::Users(const http::Request& r) const {
  const std::string q = QueryParam(r.query, "q");
  if (q.size() > kMaxQueryChars) return Text(400, "q: at most 256 characters\n");
  UserLookup found = FindUsers({.text = q}, DecodeAll(sources_.nodes(), &api::DecodeVpnNode),
                               DecodeAll(sources_.assignments(), &api::DecodeVpnAssignment),
                               DecodeAll(sources_.migrations(), &api::DecodeVpnMigration), sources_.clock->Now());
  return Reply(200, Dump(ToJson(found)), kJson);
}

}  // namespace x3ui::controller::dashboard
