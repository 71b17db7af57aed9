// libFuzzer target: a subscription request as the server's connection hands it to the handler
// (method, the request target split at '?' and percent-decoded, the User-Agent header, and one
// line given as both If-None-Match and Accept), answered for a user whose name and share links are fuzzed too. Besides never
// crashing, each reply must keep the handler's promises: a known status; every 404 the same
// body; a 200 with a Content-Type, a 304 without a body; no header name or value able to split the
// reply (no CR, LF or NUL); a clash body that YAML parses, singbox, xray and info bodies that
// JSON parses, an html page with no script element whatever the names and links hold. Run by
// hack/fuzz.sh.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "pkg/common/url.h"
#include "pkg/subscription/handler.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

constexpr char kToken[] = "Tok3nTok3nTok3nTok3nTok3nTok3n00";

// The input's first lines are the request's fields; the rest are the user's links.
std::vector<std::string> Lines(std::string_view in, size_t fields) {
  std::vector<std::string> out;
  while (!in.empty() && out.size() < fields) {
    const size_t nl = in.find('\n');
    out.emplace_back(in.substr(0, nl));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  out.resize(fields);
  out.emplace_back(in);
  return out;
}

bool Splits(const std::string& s) { return s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> f = Lines(std::string_view(reinterpret_cast<const char*>(data), size), 5);
  x3ui::http::Request r;
  r.method = f[0];
  // A target naming the known token half the time, so the rendering paths are reached.
  const std::string target = (f[1].size() % 2 ? "/sub/" + std::string(kToken) : "") + f[1];
  const size_t q = target.find('?');
  r.path = x3ui::PercentDecode(target.substr(0, q));
  if (q != std::string::npos) r.query = target.substr(q + 1);
  r.headers["user-agent"] = f[2];
  r.headers["if-none-match"] = f[3];
  r.headers["accept"] = f[3];

  x3ui::subscription::UserView user;
  user.name = f[4];
  user.node = "n1";
  user.phase = "Ready";
  user.node_phase = f[4].size() % 3 ? "Ready" : "Unreachable";
  user.total_bytes = static_cast<int64_t>(size) << 20;
  for (std::string_view rest = f[5]; !rest.empty();) {
    const size_t nl = rest.find('\n');
    user.links.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  const x3ui::subscription::Lookup lookup = [&](const std::string& token) -> std::optional<x3ui::subscription::UserView> {
    if (token == kToken) return user;
    return std::nullopt;
  };

  const x3ui::subscription::Reply reply = x3ui::subscription::Respond(r, lookup, nullptr, {}, {});
  const auto& resp = reply.response;
  Require(resp.status == 200 || resp.status == 304 || resp.status == 404 || resp.status == 405);
  if (resp.status == 404) Require(resp.body == x3ui::subscription::kNotFoundBody);
  if (resp.status == 200) Require(!resp.content_type.empty());
  if (resp.status == 304) Require(resp.body.empty());
  Require(!Splits(resp.content_type));
  for (const auto& [name, value] : resp.headers) Require(!name.empty() && !Splits(name) && !Splits(value));
  if (resp.status == 200 && reply.format == "clash") {
    try {
      YAML::Node doc = YAML::Load(resp.body);
      Require(doc.IsMap());
    } catch (const YAML::Exception&) {
      Require(false);
    }
  }
  if (resp.status == 200 && (reply.format == "singbox" || reply.format == "xray" || reply.format == "info")) {
    Require(!nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false).is_discarded());
  }
  if (resp.status == 200 && reply.format == "html") Require(resp.body.find("<script") == std::string::npos);
  return 0;
}
