// File: pkg/subscription/render_xray.cc
//
// The `xray` body: a JSON array of complete Xray client configs, one per parsed link in node
// order, as v2rayN ≥ 6.40 imports a subscription of "custom configs" (each element its own server,
// named by "remarks"). Each has local socks (10808) and http (10809) inbounds, the ports v2rayN
// uses, and the outbounds "proxy", "direct" and "block". The keys are those v2ray 4.x also reads,
// so an element without REALITY loads in either core.
//
// Thread-safety: pure functions.
#include <nlohmann/json.hpp>

#include "pkg/subscription/bodies.h"

namespace x3ui::subscription {
namespace {

using nlohmann::json;

json Inbounds() {
  return json::array({
      {{"tag", "socks"},
       {"listen", "127.0.0.1"},
       {"port", 10808},
       {"protocol", "socks"},
       {"settings", {{"auth", "noauth"}, {"udp", true}}},
       {"sniffing", {{"enabled", true}, {"destOverride", json::array({"http", "tls"})}}}},
      {{"tag", "http"}, {"listen", "127.0.0.1"}, {"port", 10809}, {"protocol", "http"}, {"settings", json::object()}},
  });
}

// The protocol's "settings": vnext users for vless and vmess, servers for trojan.
json OutboundSettings(const ParsedLink& l) {
  if (l.scheme == "trojan") return {{"servers", json::array({{{"address", l.host}, {"port", l.port}, {"password", l.id}}})}};
  json user = {{"id", l.id}};
  if (l.scheme == "vless") {
    user["encryption"] = "none";
    if (!l.flow.empty()) user["flow"] = l.flow;
  } else {
    user["alterId"] = l.alter_id;
    user["security"] = "auto";
  }
  json server = {{"address", l.host}, {"port", l.port}, {"users", json::array({user})}};
  return {{"vnext", json::array({server})}};
}

json TlsSettings(const ParsedLink& l) {
  json t = {{"serverName", l.sni.empty() ? l.host : l.sni}};
  if (!l.fingerprint.empty()) t["fingerprint"] = l.fingerprint;
  return t;
}

json RealitySettings(const ParsedLink& l) {
  json r = TlsSettings(l);
  r["publicKey"] = l.public_key;
  r["shortId"] = l.short_id;
  r["spiderX"] = "";
  return r;
}

json StreamSettings(const ParsedLink& l) {
  const std::string network = l.network.empty() ? "tcp" : l.network;
  json s = {{"network", network}, {"security", l.security}};
  if (l.security == "tls") s["tlsSettings"] = TlsSettings(l);
  if (l.security == "reality") s["realitySettings"] = RealitySettings(l);
  if (network == "ws") {
    s["wsSettings"] = {{"path", l.path.empty() ? "/" : l.path}};
    if (!l.ws_host.empty()) s["wsSettings"]["headers"] = {{"Host", l.ws_host}};
  }
  if (network == "grpc") s["grpcSettings"] = {{"serviceName", l.service_name}};
  return s;
}

json XrayConfig(const ParsedLink& l) {
  json proxy = {{"tag", "proxy"}, {"protocol", l.scheme}, {"settings", OutboundSettings(l)}, {"streamSettings", StreamSettings(l)}};
  return {{"remarks", l.name},
          {"log", {{"loglevel", "warning"}}},
          {"inbounds", Inbounds()},
          {"outbounds", json::array({proxy,
                                     {{"tag", "direct"}, {"protocol", "freedom"}, {"settings", json::object()}},
                                     {{"tag", "block"}, {"protocol", "blackhole"}, {"settings", json::object()}}})}};
}

}  // namespace

std::string XrayBody(const std::vector<ParsedLink>& links) {
  json configs = json::array();
  for (const ParsedLink& l : links) configs.push_back(XrayConfig(l));
  return JsonBody(configs);
}

}  // namespace x3ui::subscription
