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

// Transport and security parameters shared by vless and trojan links (and the vmess JSON).
struct StreamParams {
  std::string network, security;
  std::map<std::string, std::string> query;  // sorted, as url.Values.Encode writes them
};

StreamParams ReadStream(const Json& stream) {
  StreamParams p;
  p.network = Str(stream, "network");
  if (p.network.empty()) p.network = "tcp";
  p.security = Str(stream, "security");
  if (p.security.empty()) p.security = "none";
  auto& q = p.query;
  q["type"] = p.network;
  if (p.network == "tcp") {
    const Json& header = Obj(Obj(stream, "tcpSettings"), "header");
    if (Str(header, "type") == "http") {
      const Json& req = Obj(header, "request");
      q["path"] = FirstString(req, "path");
      q["host"] = FirstString(Obj(req, "headers"), "Host");
      q["headerType"] = "http";
    }
  } else if (p.network == "ws" || p.network == "httpupgrade" || p.network == "xhttp") {
    const Json& s = Obj(stream, p.network == "ws" ? "wsSettings" : p.network == "httpupgrade" ? "httpupgradeSettings"
                                                                                             : "xhttpSettings");
    q["path"] = Str(s, "path");
    std::string host = Str(s, "host");
    if (host.empty()) host = FirstString(Obj(s, "headers"), "Host");
    q["host"] = host;
    if (p.network == "xhttp") q["mode"] = Str(s, "mode");
  } else if (p.network == "grpc") {
    const Json& s = Obj(stream, "grpcSettings");
    q["serviceName"] = Str(s, "serviceName");
    q["authority"] = Str(s, "authority");
    if (s.value("multiMode", false)) q["mode"] = "multi";
  } else if (p.network == "kcp") {
    const Json& s = Obj(stream, "kcpSettings");
    q["headerType"] = Str(Obj(s, "header"), "type");
    q["seed"] = Str(s, "seed");
  }
  q["security"] = p.security;
  if (p.security == "tls") {
    const Json& tls = Obj(stream, "tlsSettings");
    q["sni"] = Str(tls, "serverName");
    q["alpn"] = JoinedList(tls, "alpn");
    q["fp"] = Str(Obj(tls, "settings"), "fingerprint");
  } else if (p.security == "reality") {
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
  return p;
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

std::string Remark(const Inbound& in, const Client& c) { return in.remark.empty() ? c.email : in.remark + "-" + c.email; }

}  // namespace


std::string Base64(const std::string& s) { return Base64Encode(s); }

Result<std::string> ShareLink(const Inbound& in, const Client& c, const std::string& host) {
  StreamParams sp = ReadStream(in.stream_settings);
  std::string addr = Address(in, host);
  if (addr.find(':') != std::string::npos && addr.front() != '[') addr = "[" + addr + "]";
  std::string hostport = addr + ":" + std::to_string(in.port);
  std::string fragment = "#" + FragmentEscape(Remark(in, c));
  if (in.protocol == "vless") {
    auto q = sp.query;
    q["encryption"] = Str(in.settings, "encryption").empty() ? "none" : Str(in.settings, "encryption");
    bool flow_allowed = sp.network == "tcp" && (sp.security == "tls" || sp.security == "reality");
    if (flow_allowed && !c.flow.empty()) q["flow"] = c.flow;
    return "vless://" + c.id + "@" + hostport + "?" + Encode(q) + fragment;
  }
  if (in.protocol == "trojan") {
    auto q = sp.query;
    if (sp.security == "reality" && !c.flow.empty()) q["flow"] = c.flow;
    return "trojan://" + c.password + "@" + hostport + "?" + Encode(q) + fragment;
  }
  if (in.protocol == "shadowsocks") {
    std::string method = Str(in.settings, "method");
    std::string secret = method + ":" + c.password;
    if (method.rfind("2022", 0) == 0) secret = method + ":" + Str(in.settings, "password") + ":" + c.password;
    auto q = sp.query;
    return "ss://" + Base64(secret) + "@" + hostport + "?" + Encode(q) + fragment;
  }
  if (in.protocol == "vmess") {
    const auto& q = sp.query;
    auto get = [&q](const char* k) {
      auto it = q.find(k);
      return it == q.end() ? std::string() : it->second;
    };
    Json v = {{"v", "2"},          {"ps", Remark(in, c)},  {"add", addr},        {"port", in.port},
              {"id", c.id},        {"scy", c.security.empty() ? "auto" : c.security},
              {"net", sp.network}, {"type", get("headerType").empty() ? "none" : get("headerType")},
              {"tls", sp.security == "none" ? "" : sp.security}};
    for (const char* k : {"path", "host", "sni", "alpn", "fp"}) {
      if (!get(k).empty()) v[k] = get(k);
    }
    // Remarks and emails are valid UTF-8 when they come from a parsed reply or resource; the
    // replacing handler keeps a stray byte from throwing all the same.
    return "vmess://" + Base64(v.dump(2, ' ', false, Json::error_handler_t::replace));
  }
  return Status::InvalidArgument("inbound protocol " + CleanForeignText(in.protocol, 64) + " has no share links");
}

std::string SubscriptionBody(const std::vector<std::string>& links) {
  std::string body;
  for (const auto& l : links) body += l + "\n";
  return Base64(body);
}

}  // namespace x3ui::panel
