// File: pkg/subscription/render_clash.cc
//
// The `clash` body: Mihomo / Clash Meta YAML, one proxy per parsed link (the keys Mihomo's docs
// name for vless, vmess and trojan) and a `fallback` group in node order.
//
// Thread-safety: pure functions.
#include <yaml-cpp/yaml.h>

#include "pkg/subscription/bodies.h"

namespace x3ui::subscription {
namespace {

bool UsesTls(const ParsedLink& l) { return l.security == "tls" || l.security == "reality"; }

void SetCredentials(const ParsedLink& l, YAML::Node& p) {
  if (l.scheme == "trojan") {
    p["password"] = l.id;
    return;
  }
  p["uuid"] = l.id;
  if (l.scheme == "vmess") {
    p["alterId"] = l.alter_id;
    p["cipher"] = "auto";
  }
  if (l.scheme == "vless" && !l.flow.empty()) p["flow"] = l.flow;
}

void SetTls(const ParsedLink& l, YAML::Node& p) {
  if (!UsesTls(l)) return;
  if (l.scheme != "trojan") p["tls"] = true;
  // Trojan names the SNI `sni`; vless and vmess call it `servername`.
  if (!l.sni.empty()) p[l.scheme == "trojan" ? "sni" : "servername"] = l.sni;
  if (!l.fingerprint.empty()) p["client-fingerprint"] = l.fingerprint;
  if (l.security == "reality") {
    p["reality-opts"]["public-key"] = l.public_key;
    p["reality-opts"]["short-id"] = l.short_id;
  }
}

void SetTransport(const ParsedLink& l, YAML::Node& p) {
  if (l.network == "ws") {
    p["ws-opts"]["path"] = l.path.empty() ? "/" : l.path;
    if (!l.ws_host.empty()) p["ws-opts"]["headers"]["Host"] = l.ws_host;
  }
  if (l.network == "grpc") p["grpc-opts"]["grpc-service-name"] = l.service_name;
}

YAML::Node ClashProxy(const ParsedLink& l) {
  YAML::Node p;
  p["name"] = l.name;
  p["type"] = l.scheme;
  p["server"] = l.host;
  p["port"] = l.port;
  SetCredentials(l, p);
  p["udp"] = true;
  p["network"] = l.network.empty() ? "tcp" : l.network;
  SetTls(l, p);
  SetTransport(l, p);
  return p;
}

}  // namespace

std::string ClashBody(const std::vector<ParsedLink>& links) {
  YAML::Node root;
  root["proxies"] = YAML::Node(YAML::NodeType::Sequence);
  YAML::Node names(YAML::NodeType::Sequence);
  for (const ParsedLink& l : links) {
    root["proxies"].push_back(ClashProxy(l));
    names.push_back(l.name);
  }
  YAML::Node group;
  group["name"] = "fallback";
  group["type"] = "fallback";
  group["url"] = kProbeUrl;
  group["interval"] = 300;
  // A group must list something: with no servers the app goes direct rather than reject the file.
  group["proxies"] = names.size() ? names : YAML::Node(std::vector<std::string>{"DIRECT"});
  root["proxy-groups"].push_back(group);
  root["rules"].push_back("MATCH,fallback");
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace x3ui::subscription
