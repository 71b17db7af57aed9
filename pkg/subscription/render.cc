#include "pkg/subscription/render.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "pkg/common/base64.h"
#include "pkg/common/url.h"
#include "pkg/subscription/token_index.h"

namespace x3ui::subscription {
namespace {

std::map<std::string, std::string> QueryOf(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= q.size()) {
    size_t end = q.find('&', start);
    if (end == std::string::npos) end = q.size();
    const std::string kv = q.substr(start, end - start);
    if (const size_t eq = kv.find('='); eq != std::string::npos) out[kv.substr(0, eq)] = PercentDecode(kv.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

std::string Get(const std::map<std::string, std::string>& m, const char* k) {
  auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

// One Mihomo proxy from a parsed link (the keys Mihomo's docs name for vless and trojan).
YAML::Node ClashProxy(const ParsedLink& l) {
  YAML::Node p;
  p["name"] = l.name;
  p["type"] = l.scheme;
  p["server"] = l.host;
  p["port"] = l.port;
  p[l.scheme == "trojan" ? "password" : "uuid"] = l.id;
  p["udp"] = true;
  p["network"] = l.network.empty() ? "tcp" : l.network;
  if (l.scheme == "vless" && !l.flow.empty()) p["flow"] = l.flow;
  if (l.security == "tls" || l.security == "reality" || l.scheme == "trojan") {
    if (l.scheme == "vless") p["tls"] = true;
    if (!l.sni.empty()) p[l.scheme == "trojan" ? "sni" : "servername"] = l.sni;
    if (!l.fingerprint.empty()) p["client-fingerprint"] = l.fingerprint;
  }
  if (l.security == "reality") {
    p["reality-opts"]["public-key"] = l.public_key;
    p["reality-opts"]["short-id"] = l.short_id;
  }
  if (l.network == "ws") {
    p["ws-opts"]["path"] = l.path.empty() ? "/" : l.path;
    if (!l.ws_host.empty()) p["ws-opts"]["headers"]["Host"] = l.ws_host;
  }
  return p;
}

std::string Base64Body(const std::vector<std::string>& links) {
  std::string joined;
  for (const auto& l : links) joined += l + "\n";
  return Base64Encode(joined);
}

std::string ClashBody(const std::vector<std::string>& links) {
  YAML::Node root;
  root["proxies"] = YAML::Node(YAML::NodeType::Sequence);
  YAML::Node names(YAML::NodeType::Sequence);
  for (const auto& link : links) {
    std::optional<ParsedLink> l = ParseShareLink(link);
    if (!l) continue;
    root["proxies"].push_back(ClashProxy(*l));
    names.push_back(l->name);
  }
  YAML::Node group;
  group["name"] = "fallback";
  group["type"] = "fallback";
  group["url"] = "https://www.gstatic.com/generate_204";
  group["interval"] = 300;
  group["proxies"] = names.size() ? names : YAML::Node(std::vector<std::string>{"DIRECT"});
  root["proxy-groups"].push_back(group);
  root["rules"].push_back("MATCH,fallback");
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
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
  // A link's name is the panel's inbound remark: bytes that are not UTF-8 become U+FFFD rather
  // than an exception (which would answer this user 500 until the remark changes).
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
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

}  // namespace

std::optional<ParsedLink> ParseShareLink(const std::string& link) {
  ParsedLink l;
  const size_t colon = link.find("://");
  if (colon == std::string::npos) return std::nullopt;
  l.scheme = link.substr(0, colon);
  if (l.scheme != "vless" && l.scheme != "trojan") return std::nullopt;
  std::string rest = link.substr(colon + 3);
  if (const size_t hash = rest.find('#'); hash != std::string::npos) {
    l.name = PercentDecode(rest.substr(hash + 1));
    rest.resize(hash);
  }
  std::map<std::string, std::string> q;
  if (const size_t qm = rest.find('?'); qm != std::string::npos) {
    q = QueryOf(rest.substr(qm + 1));
    rest.resize(qm);
  }
  const size_t at = rest.rfind('@');
  if (at == std::string::npos) return std::nullopt;
  l.id = PercentDecode(rest.substr(0, at));
  std::string hostport = rest.substr(at + 1);
  if (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  const size_t pc = hostport.rfind(':');
  if (pc == std::string::npos) return std::nullopt;
  l.host = hostport.substr(0, pc);
  if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']') l.host = l.host.substr(1, l.host.size() - 2);
  try {
    l.port = std::stoi(hostport.substr(pc + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (l.port <= 0 || l.port > 65535 || l.host.empty() || l.id.empty()) return std::nullopt;
  l.network = Get(q, "type");
  l.security = Get(q, "security");
  l.sni = Get(q, "sni");
  l.path = Get(q, "path");
  l.ws_host = Get(q, "host");
  l.flow = Get(q, "flow");
  l.fingerprint = Get(q, "fp");
  l.public_key = Get(q, "pbk");
  l.short_id = Get(q, "sid");
  if (l.name.empty()) l.name = l.host + ":" + std::to_string(l.port);
  return l;
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
  Rendered r;
  switch (f) {
    case Format::kClash:
      r.body = ClashBody(s.links);
      r.content_type = "text/yaml; charset=utf-8";
      break;
    case Format::kInfo:
      r.body = InfoBody(u, s);
      r.content_type = "application/json; charset=utf-8";
      break;
    case Format::kBase64:
      r.body = Base64Body(s.links);
      r.content_type = "text/plain; charset=utf-8";
      break;
  }
  const std::string title = s.reason.empty() ? u.name : u.name + ": " + s.reason;
  r.headers = {{"subscription-userinfo", UserInfoHeader(u)},
               {"profile-update-interval", std::to_string(o.update_interval_hours)},
               {"profile-title", "base64:" + Base64Encode(title)},
               {"content-disposition", "attachment; filename=\"" + HeaderSafeFileName(u.name) + "\""},
               {"Cache-Control", "no-store"},
               {"ETag", ETagOf(r.body)}};
  if (!s.reason.empty()) r.headers.push_back({"announce", "base64:" + Base64Encode(s.reason)});
  return r;
}

}  // namespace x3ui::subscription
