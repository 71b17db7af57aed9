#include "pkg/subscription/share_link.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "pkg/common/base64.h"
#include "pkg/common/url.h"

namespace x3ui::subscription {
namespace {

using Query = std::map<std::string, std::string>;

Query QueryOf(const std::string& q) {
  Query out;
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

std::string Get(const Query& m, const char* k) {
  auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

std::optional<int> PortOf(const std::string& s) {
  try {
    size_t used = 0;
    const int port = std::stoi(s, &used);
    if (used != s.size() || port <= 0 || port > 65535) return std::nullopt;
    return port;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "host:port" or "[v6]:port" into the link.
bool SplitHostPort(std::string hostport, ParsedLink* l) {
  if (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  const size_t pc = hostport.rfind(':');
  if (pc == std::string::npos) return false;
  l->host = hostport.substr(0, pc);
  if (l->host.size() > 2 && l->host.front() == '[' && l->host.back() == ']') l->host = l->host.substr(1, l->host.size() - 2);
  const std::optional<int> port = PortOf(hostport.substr(pc + 1));
  if (!port || l->host.empty()) return false;
  l->port = *port;
  return true;
}

// vless://id@host:port?query#name and trojan://password@host:port?query#name.
std::optional<ParsedLink> ParseUrlStyle(const std::string& scheme, std::string rest) {
  ParsedLink l;
  l.scheme = scheme;
  if (const size_t hash = rest.find('#'); hash != std::string::npos) {
    l.name = PercentDecode(rest.substr(hash + 1));
    rest.resize(hash);
  }
  Query q;
  if (const size_t qm = rest.find('?'); qm != std::string::npos) {
    q = QueryOf(rest.substr(qm + 1));
    rest.resize(qm);
  }
  const size_t at = rest.rfind('@');
  if (at == std::string::npos) return std::nullopt;
  l.id = PercentDecode(rest.substr(0, at));
  if (!SplitHostPort(rest.substr(at + 1), &l) || l.id.empty()) return std::nullopt;
  l.network = Get(q, "type");
  l.security = Get(q, "security");
  l.sni = Get(q, "sni");
  l.path = Get(q, "path");
  l.ws_host = Get(q, "host");
  l.flow = Get(q, "flow");
  l.fingerprint = Get(q, "fp");
  l.public_key = Get(q, "pbk");
  l.short_id = Get(q, "sid");
  l.service_name = Get(q, "serviceName");
  return l;
}

// v2rayN writes the vmess JSON base64-encoded, sometimes URL-safe or without padding.
std::optional<std::string> DecodeLenientBase64(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  return Base64Decode(s);
}

// Some writers give numbers ("port": 443), others strings ("port": "443").
std::string JsonText(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "";
  const nlohmann::json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

// vmess://<base64 of {"v":"2","ps":name,"add":host,"port":…,"id":…,"aid":…,"net":…,"type":…,
// "host":…,"path":…,"tls":…,"sni":…,"fp":…}>, as v2rayN shares it.
std::optional<ParsedLink> ParseVmess(const std::string& payload) {
  const std::optional<std::string> text = DecodeLenientBase64(payload);
  if (!text) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  ParsedLink l;
  l.scheme = "vmess";
  l.name = JsonText(j, "ps");
  l.host = JsonText(j, "add");
  l.id = JsonText(j, "id");
  const std::optional<int> port = PortOf(JsonText(j, "port"));
  if (!port || l.host.empty() || l.id.empty()) return std::nullopt;
  l.port = *port;
  const std::string aid = JsonText(j, "aid");
  l.alter_id = aid.empty() ? 0 : PortOf(aid).value_or(0);
  l.network = JsonText(j, "net");
  l.security = JsonText(j, "tls");
  l.sni = JsonText(j, "sni");
  l.fingerprint = JsonText(j, "fp");
  l.ws_host = JsonText(j, "host");
  // v2rayN keeps a gRPC service name in "path".
  (l.network == "grpc" ? l.service_name : l.path) = JsonText(j, "path");
  return l;
}

}  // namespace

std::optional<ParsedLink> ParseShareLink(const std::string& link) {
  const size_t colon = link.find("://");
  if (colon == std::string::npos) return std::nullopt;
  const std::string scheme = link.substr(0, colon);
  const std::string rest = link.substr(colon + 3);
  std::optional<ParsedLink> l;
  if (scheme == "vless" || scheme == "trojan") l = ParseUrlStyle(scheme, rest);
  if (scheme == "vmess") l = ParseVmess(rest);
  // A trojan link without `security` still means TLS: the protocol has no plain mode of its own.
  if (l && l->security.empty()) l->security = scheme == "trojan" ? "tls" : "none";
  if (l && l->name.empty()) l->name = l->host + ":" + std::to_string(l->port);
  return l;
}

std::vector<ParsedLink> ParseShareLinks(const std::vector<std::string>& links) {
  std::vector<ParsedLink> out;
  std::set<std::string> taken;
  for (const std::string& link : links) {
    std::optional<ParsedLink> l = ParseShareLink(link);
    if (!l) continue;
    const std::string base = l->name;
    for (int n = 2; !taken.insert(l->name).second; ++n) l->name = base + " " + std::to_string(n);
    out.push_back(std::move(*l));
  }
  return out;
}

}  // namespace x3ui::subscription
