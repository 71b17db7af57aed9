#include "tests/sim/dataplane_config.h"

#include <optional>

namespace x3ui::sim {
namespace {

std::string Str(const Json& j, const std::string& key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// j[key] when j is an object and it holds one of that type, else an empty one: panel state
// written by hand may hold anything, and rendering must not throw.
Json Member(const Json& j, const std::string& key, Json::value_t type) {
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end() && it->type() == type) return *it;
  }
  return type == Json::value_t::array ? Json::array() : Json::object();
}
Json Object(const Json& j, const std::string& key) { return Member(j, key, Json::value_t::object); }
Json Array(const Json& j, const std::string& key) { return Member(j, key, Json::value_t::array); }

std::string InboundTag(const SimInbound& in) {
  return in.tag.empty() ? "inbound-" + std::to_string(in.id) : in.tag;
}

// A client missing "enable" is enabled, as on the panel.
bool Enabled(const Json& client) {
  auto it = client.find("enable");
  return it == client.end() || !it->is_boolean() || it->get<bool>();
}

// The client as v2ray's inbound settings want it: its credential, email and level 0 (the level
// whose policy counts user traffic); VLESS flows and other panel fields are left out.
Json ServerClient(const std::string& protocol, const Json& client) {
  Json out = {{"email", Str(client, "email")}, {"level", 0}};
  if (protocol == "trojan") {
    out["password"] = Str(client, "password");
  } else {
    out["id"] = Str(client, "id");
    if (protocol == "vmess") out["alterId"] = 0;
  }
  return out;
}

// PEM text stored as one string or as an array of lines, as v2ray wants it: an array of lines.
Json PemLines(const Json& pem) {
  if (pem.is_array()) return pem;
  Json lines = Json::array();
  std::string text = pem.is_string() ? pem.get<std::string>() : "";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return lines;
}

// The inbound's own certificates (files or inline PEM), else the fallback one.
Json TlsCertificates(const Json& tls_settings, const FallbackCertificate& fallback) {
  Json out = Json::array();
  for (const auto& c : Array(tls_settings, "certificates")) {
    if (!c.is_object()) continue;
    if (!Str(c, "certificateFile").empty() && !Str(c, "keyFile").empty()) {
      out.push_back({{"certificateFile", Str(c, "certificateFile")}, {"keyFile", Str(c, "keyFile")}});
    } else if (c.contains("certificate") && c.contains("key")) {
      out.push_back({{"certificate", PemLines(c["certificate"])}, {"key", PemLines(c["key"])}});
    }
  }
  if (out.empty()) out.push_back({{"certificateFile", fallback.certificate_file}, {"keyFile", fallback.key_file}});
  return out;
}

// streamSettings for v2ray, or the reason the inbound's transport cannot be served.
std::optional<Json> StreamSettings(const Json& stream, const FallbackCertificate& fallback, std::string* why) {
  std::string network = Str(stream, "network").empty() ? "tcp" : Str(stream, "network");
  std::string security = Str(stream, "security").empty() ? "none" : Str(stream, "security");
  if (security == "reality") {
    *why = "REALITY cannot be served by v2ray 4.34";
    return std::nullopt;
  }
  if (network != "tcp" && network != "ws") {
    *why = "network " + network + " is not served (tcp and ws are)";
    return std::nullopt;
  }
  if (security != "none" && security != "tls") {
    *why = "security " + security + " is not served (none and tls are)";
    return std::nullopt;
  }
  Json out = {{"network", network}, {"security", security}};
  if (network == "ws") {
    Json ws = Object(stream, "wsSettings");
    out["wsSettings"] = {{"path", Str(ws, "path").empty() ? "/" : Str(ws, "path")}};
  }
  if (security == "tls") {
    out["tlsSettings"] = {{"certificates", TlsCertificates(Object(stream, "tlsSettings"), fallback)}};
  }
  return out;
}

// The inbound for v2ray, or the reason it cannot be served.
std::optional<Json> ServerInbound(const SimInbound& in, const FallbackCertificate& fallback, std::string* why) {
  if (in.protocol != "vless" && in.protocol != "vmess" && in.protocol != "trojan") {
    *why = "protocol " + in.protocol + " is not served (vless, vmess and trojan are)";
    return std::nullopt;
  }
  std::optional<Json> stream = StreamSettings(in.stream_settings, fallback, why);
  if (!stream) return std::nullopt;
  Json clients = Json::array();
  for (const auto& c : Array(in.settings, "clients")) {
    if (c.is_object() && Enabled(c)) clients.push_back(ServerClient(in.protocol, c));
  }
  if (clients.empty()) {
    *why = "no enabled client";
    return std::nullopt;
  }
  Json settings = {{"clients", clients}};
  if (in.protocol == "vless") settings["decryption"] = "none";
  return Json{{"tag", InboundTag(in)}, {"listen", "127.0.0.1"}, {"port", in.port}, {"protocol", in.protocol},
              {"settings", settings}, {"streamSettings", *stream}};
}

Json ApiInbound(int api_port) {
  return {{"tag", "api"}, {"listen", "127.0.0.1"}, {"port", api_port}, {"protocol", "dokodemo-door"},
          {"settings", {{"address", "127.0.0.1"}}}};
}

}  // namespace

RenderedServerConfig RenderServerConfig(const std::vector<SimInbound>& inbounds, int api_port,
                                        const FallbackCertificate& fallback) {
  RenderedServerConfig out;
  Json served = Json::array({ApiInbound(api_port)});
  for (const auto& in : inbounds) {
    if (!in.enable) continue;
    std::string why;
    std::optional<Json> inbound = ServerInbound(in, fallback, &why);
    if (inbound) {
      served.push_back(*inbound);
      out.served.push_back(InboundTag(in));
    } else {
      out.skipped.push_back(InboundTag(in) + ": " + why);
    }
  }
  out.config = {
      {"log", {{"loglevel", "warning"}}},
      {"stats", Json::object()},
      {"api", {{"tag", "api"}, {"services", {"StatsService"}}}},
      {"policy", {{"levels", {{"0", {{"statsUserUplink", true}, {"statsUserDownlink", true}}}}}}},
      {"inbounds", served},
      {"outbounds", Json::array({{{"tag", "direct"}, {"protocol", "freedom"}}})},
      {"routing", {{"rules", Json::array({{{"type", "field"}, {"inboundTag", {"api"}}, {"outboundTag", "api"}}})}}}};
  return out;
}

}  // namespace x3ui::sim
