#include "pkg/x3ui/links.h"

#include <map>

#include "pkg/common/base64.h"
#include "pkg/common/text.h"
#include "pkg/common/url.h"

namespace x3ui::panel {
namespace {

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& Obj(const Json& j, const char* key) {
  static const Json kEmpty = Json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

std::string FirstString(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array() && !it->empty() && (*it)[0].is_string()) return (*it)[0].get<std::string>();
  return "";
}

// alpn is a list in tlsSettings and a comma-joined string in links.
std::string JoinedList(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return Str(j, key);
  std::string out;
  for (const auto& v : *it) {
    if (!v.is_string()) continue;
    out += (out.empty() ? "" : ",") + v.get<std::string>();
  }
  return out;
}

// A URL fragment keeps the sub-delimiters and ':' '@' '/' '?' as they are.
std::string FragmentEscape(const std::string& s) { return PercentEncode(s, "-_.~!$&'()*+,;=:@/?"); }

// Transport and security parameters of a link (and of the vmess JSON), sorted as the panel's
// url.Values.Encode writes them; `type` (the network) and `security` are always set.
std::map<std::string, std::string> ReadStream(const Json& stream) {
  std::map<std::string, std::string> q;
  std::string network = Str(stream, "network");
  if (network.empty()) network = "tcp";
  std::string security = Str(stream, "security");
  if (security.empty()) security = "none";
  q["type"] = network;
  if (network == "tcp") {
    const Json& header = Obj(Obj(stream, "tcpSettings"), "header");
    if (Str(header, "type") == "http") {
      const Json& req = Obj(header, "request");
      q["path"] = FirstString(req, "path");
      q["host"] = FirstString(Obj(req, "headers"), "Host");
      q["headerType"] = "http";
    }
  } else if (network == "ws" || network == "httpupgrade" || network == "xhttp") {
    const Json& s = Obj(stream, network == "ws" ? "wsSettings" : network == "httpupgrade" ? "httpupgradeSettings"
                                                                                         : "xhttpSettings");
    q["path"] = Str(s, "path");
    std::string host = Str(s, "host");
    if (host.empty()) host = FirstString(Obj(s, "headers"), "Host");
    q["host"] = host;
    if (network == "xhttp") q["mode"] = Str(s, "mode");
  } else if (network == "grpc") {
    const Json& s = Obj(stream, "grpcSettings");
    q["serviceName"] = Str(s, "serviceName");
    q["authority"] = Str(s, "authority");
    if (s.value("multiMode", false)) q["mode"] = "multi";
  } else if (network == "kcp") {
    const Json& s = Obj(stream, "kcpSettings");
    q["headerType"] = Str(Obj(s, "header"), "type");
    q["seed"] = Str(s, "seed");
  }
  q["security"] = security;
  if (security == "tls") {
    const Json& tls = Obj(stream, "tlsSettings");
    q["sni"] = Str(tls, "serverName");
    q["alpn"] = JoinedList(tls, "alpn");
    q["fp"] = Str(Obj(tls, "settings"), "fingerprint");
  } else if (security == "reality") {
    const Json& r = Obj(stream, "realitySettings");
    const Json& rs = Obj(r, "settings");
    q["sni"] = FirstString(r, "serverNames");
    q["pbk"] = Str(rs, "publicKey");
    q["sid"] = FirstString(r, "shortIds");
    q["fp"] = Str(rs, "fingerprint");
    q["spx"] = Str(rs, "spiderX");
    if (!Str(rs, "mldsa65Verify").empty()) q["pqv"] = Str(rs, "mldsa65Verify");
  }
  // url.Values keeps empty values, but the panel only sets the ones it has.
  for (auto it = q.begin(); it != q.end();) it = it->second.empty() ? q.erase(it) : std::next(it);
  return q;
}

std::string Encode(const std::map<std::string, std::string>& q) {
  std::string out;
  // Appended piece by piece: `"&" + std::string` (an rvalue prepend) makes GCC 12 at -O3 report a
  // false -Wrestrict overlap (GCC bug 105329), which -Werror turns into a failed Release build.
  for (const auto& [k, v] : q) {
    if (!out.empty()) out += '&';
    out += QueryEscape(k);
    out += '=';
    out += QueryEscape(v);
  }
  return out;
}

std::string Address(const Inbound& in, const std::string& host) {
  const std::string& l = in.listen;
  if (!l.empty() && l != "0.0.0.0" && l != "::" && l != "::0") return l;
  return host;
}

std::string Param(const api::InboundEndpoint& e, const char* key) {
  auto it = e.params.find(key);
  return it == e.params.end() ? std::string() : it->second;
}

std::string Remark(const api::InboundEndpoint& e, const Client& c) {
  return e.remark.empty() ? c.email : e.remark + "-" + c.email;
}

bool IsShadowsocks2022(const std::string& method) { return method.rfind("2022", 0) == 0; }

bool HasLinks(const std::string& protocol) {
  return protocol == "vless" || protocol == "vmess" || protocol == "trojan" || protocol == "shadowsocks";
}

// The endpoint without the check for a server key: ShareLink(Inbound, ...) has the inbound.
Result<api::InboundEndpoint> ReadEndpoint(const Inbound& in, const std::string& host) {
  if (!HasLinks(in.protocol)) {
    return Status::InvalidArgument("inbound protocol " + CleanForeignText(in.protocol, 64) + " has no share links");
  }
  api::InboundEndpoint e;
  e.protocol = in.protocol;
  e.remark = in.remark;
  e.address = Address(in, host);
  e.port = in.port;
  e.params = ReadStream(in.stream_settings);
  if (in.protocol == "vless") {
    e.params["encryption"] = Str(in.settings, "encryption").empty() ? "none" : Str(in.settings, "encryption");
  }
  if (in.protocol == "shadowsocks") e.method = Str(in.settings, "method");
  return e;
}

Result<std::string> LinkFor(const api::InboundEndpoint& e, const Client& c, const std::string& ss_server_key) {
  const std::string network = Param(e, "type"), security = Param(e, "security");
  std::string addr = e.address;
  if (addr.find(':') != std::string::npos && addr.front() != '[') addr = "[" + addr + "]";
  const std::string hostport = addr + ":" + std::to_string(e.port);
  const std::string fragment = "#" + FragmentEscape(Remark(e, c));
  if (e.protocol == "vless") {
    auto q = e.params;
    const bool flow_allowed = network == "tcp" && (security == "tls" || security == "reality");
    if (flow_allowed && !c.flow.empty()) q["flow"] = c.flow;
    return "vless://" + c.id + "@" + hostport + "?" + Encode(q) + fragment;
  }
  if (e.protocol == "trojan") {
    auto q = e.params;
    if (security == "reality" && !c.flow.empty()) q["flow"] = c.flow;
    return "trojan://" + c.password + "@" + hostport + "?" + Encode(q) + fragment;
  }
  if (e.protocol == "shadowsocks") {
    std::string secret = e.method + ":" + c.password;
    if (IsShadowsocks2022(e.method)) {
      if (ss_server_key.empty()) return Status::InvalidArgument("a Shadowsocks-2022 link needs the inbound's server key");
      secret = e.method + ":" + ss_server_key + ":" + c.password;
    }
    return "ss://" + Base64(secret) + "@" + hostport + "?" + Encode(e.params) + fragment;
  }
  if (e.protocol == "vmess") {
    const std::string header = Param(e, "headerType");
    Json v = {{"v", "2"},       {"ps", Remark(e, c)},  {"add", addr},     {"port", e.port},
              {"id", c.id},     {"scy", c.security.empty() ? "auto" : c.security},
              {"net", network}, {"type", header.empty() ? "none" : header},
              {"tls", security == "none" ? "" : security}};
    for (const char* k : {"path", "host", "sni", "alpn", "fp"}) {
      if (!Param(e, k).empty()) v[k] = Param(e, k);
    }
    // Remarks and emails are valid UTF-8 when they come from a parsed reply or resource; the
    // replacing handler keeps a stray byte from throwing all the same.
    return "vmess://" + Base64(v.dump(2, ' ', false, Json::error_handler_t::replace));
  }
  return Status::InvalidArgument("inbound protocol " + CleanForeignText(e.protocol, 64) + " has no share links");
}

}  // namespace


std::string Base64(const std::string& s) { return Base64Encode(s); }

Result<api::InboundEndpoint> EndpointOf(const Inbound& in, const std::string& host) {
  if (in.protocol == "shadowsocks" && IsShadowsocks2022(Str(in.settings, "method"))) {
    return Status::InvalidArgument("a Shadowsocks-2022 inbound's links carry its server key, which is not published");
  }
  return ReadEndpoint(in, host);
}

Result<std::string> ShareLink(const api::InboundEndpoint& endpoint, const Client& client) {
  return LinkFor(endpoint, client, "");
}

Result<std::string> ShareLink(const Inbound& in, const Client& c, const std::string& host) {
  Result<api::InboundEndpoint> e = ReadEndpoint(in, host);
  if (!e.ok()) return e.status();
  return LinkFor(*e, c, Str(in.settings, "password"));
}

}  // namespace x3ui::panel
