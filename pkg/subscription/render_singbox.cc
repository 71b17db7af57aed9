// File: pkg/subscription/render_singbox.cc
//
// The `singbox` body: one sing-box config whose outbounds are a `selector` "proxy" (what the
// route sends everything to; its default "auto"), a `urltest` "auto" over every server in node
// order, one outbound per parsed link (tagged with the link's name), and "direct". A local mixed
// inbound lets a desktop client use it as is; the mobile apps add their own tun inbound.
//
// Thread-safety: pure functions.
#include <nlohmann/json.hpp>

#include "pkg/subscription/bodies.h"

namespace x3ui::subscription {
namespace {

using nlohmann::json;

std::optional<json> Tls(const ParsedLink& l) {
  if (l.security != "tls" && l.security != "reality") return std::nullopt;
  json t = {{"enabled", true}, {"server_name", l.sni.empty() ? l.host : l.sni}};
  if (!l.fingerprint.empty()) t["utls"] = {{"enabled", true}, {"fingerprint", l.fingerprint}};
  if (l.security == "reality") t["reality"] = {{"enabled", true}, {"public_key", l.public_key}, {"short_id", l.short_id}};
  return t;
}

std::optional<json> Transport(const ParsedLink& l) {
  if (l.network == "ws") {
    json t = {{"type", "ws"}, {"path", l.path.empty() ? "/" : l.path}};
    if (!l.ws_host.empty()) t["headers"] = {{"Host", l.ws_host}};
    return t;
  }
  if (l.network == "grpc") return json{{"type", "grpc"}, {"service_name", l.service_name}};
  return std::nullopt;  // tcp: sing-box's default, no transport object
}

json Outbound(const ParsedLink& l) {
  json o = {{"type", l.scheme}, {"tag", l.name}, {"server", l.host}, {"server_port", l.port}};
  if (l.scheme == "trojan") {
    o["password"] = l.id;
  } else {
    o["uuid"] = l.id;
  }
  if (l.scheme == "vless" && !l.flow.empty()) o["flow"] = l.flow;
  if (l.scheme == "vmess") {
    o["security"] = "auto";
    o["alter_id"] = l.alter_id;
  }
  if (std::optional<json> tls = Tls(l)) o["tls"] = *tls;
  if (std::optional<json> transport = Transport(l)) o["transport"] = *transport;
  return o;
}

// The selector and, when there are servers, the urltest it defaults to. sing-box rejects a
// urltest with no outbounds, so a user with no servers gets a selector over "direct" alone.
json Groups(const json& tags) {
  if (tags.empty()) {
    return json::array({{{"type", "selector"}, {"tag", "proxy"}, {"outbounds", json::array({"direct"})}, {"default", "direct"}}});
  }
  json choices = json::array({"auto"});
  choices.insert(choices.end(), tags.begin(), tags.end());
  return json::array({
      {{"type", "selector"}, {"tag", "proxy"}, {"outbounds", choices}, {"default", "auto"}},
      {{"type", "urltest"}, {"tag", "auto"}, {"outbounds", tags}, {"url", kProbeUrl}, {"interval", "5m"}},
  });
}

}  // namespace

std::string SingboxBody(const std::vector<ParsedLink>& links) {
  json tags = json::array();
  for (const ParsedLink& l : links) tags.push_back(l.name);
  json outbounds = Groups(tags);
  for (const ParsedLink& l : links) outbounds.push_back(Outbound(l));
  outbounds.push_back({{"type", "direct"}, {"tag", "direct"}});
  const json config = {
      {"log", {{"level", "warn"}}},
      {"inbounds", json::array({{{"type", "mixed"}, {"tag", "mixed-in"}, {"listen", "127.0.0.1"}, {"listen_port", 2080}}})},
      {"outbounds", outbounds},
      {"route", {{"final", "proxy"}}},
  };
  return JsonBody(config);
}

}  // namespace x3ui::subscription
