#include "tests/sim/sim_server.h"

#include <fstream>
#include <sstream>


#include "pkg/api/manifest.h"

namespace x3ui::sim {
namespace {

SimResponse JsonReply(int status, const Json& j) { return {status, j.dump()}; }

Json RealityStream() {
  return Json::parse(R"({"network":"tcp","security":"reality","externalProxy":[],"realitySettings":{"show":false,
    "target":"www.microsoft.com:443","serverNames":["www.microsoft.com"],"privateKey":"sim-private-key",
    "shortIds":["6ba85179e30d4fc2"],"settings":{"publicKey":"sim-public-key","fingerprint":"chrome","spiderX":"/"}},
    "tcpSettings":{"header":{"type":"none"}}})");
}

Json WsTlsStream(const std::string& host) {
  return {{"network", "ws"},
          {"security", "tls"},
          {"externalProxy", Json::array()},
          {"tlsSettings", {{"serverName", host}, {"alpn", {"h2", "http/1.1"}}, {"settings", {{"fingerprint", "chrome"}}}}},
          {"wsSettings", {{"path", "/tj"}, {"host", ""}, {"headers", Json::object()}}}};
}

// An inbound's transport from the config file's `stream`: reality, tcp, ws or ws-tls (the
// default for anything but reality), `path` for WebSocket.
Json StreamFromConfig(const Json& inbound, const std::string& panel_name) {
  std::string stream = inbound.value("stream", "reality");
  if (stream == "reality") return RealityStream();
  if (stream == "tcp") return {{"network", "tcp"}, {"security", "none"}, {"tcpSettings", {{"header", {{"type", "none"}}}}}};
  Json s = WsTlsStream(panel_name);
  if (stream == "ws") {
    s["security"] = "none";
    s.erase("tlsSettings");
  }
  if (inbound.contains("path")) s["wsSettings"]["path"] = inbound.value("path", "/");
  return s;
}

std::string NormaliseBase(std::string b) {
  if (b.empty() || b[0] != '/') b = "/" + b;
  if (b.back() != '/') b += "/";
  return b;
}

// A panel takes request bodies (inbound settings with thousands of clients) and requests that
// block in the handler for a while (latency and hang faults), many at once.
http::ServerOptions PanelServerOptions() {
  http::ServerOptions o;
  o.handler_threads = 16;
  o.max_connections = 512;
  o.max_body_bytes = 64 * 1024 * 1024;
  o.head_timeout = std::chrono::seconds(30);
  o.idle_timeout = std::chrono::seconds(120);
  o.write_timeout = std::chrono::seconds(60);
  return o;
}

}  // namespace

std::vector<SimInbound> DefaultInbounds(const std::string& panel_name) {
  SimInbound vless{1, 443, "vless", panel_name + "-reality", "inbound-443", Json::object(), RealityStream(), true};
  vless.settings = {{"clients", Json::array({{{"id", "00000000-0000-4000-8000-000000000001"},
                                              {"flow", "xtls-rprx-vision"},
                                              {"email", "owner-" + panel_name + "-vless"},
                                              {"enable", true},
                                              {"subId", "owner"},
                                              {"comment", "set up by hand"}}})},
                    {"decryption", "none"},
                    {"encryption", "none"},
                    {"fallbacks", Json::array()}};
  SimInbound trojan{2, 8443, "trojan", panel_name + "-trojan-ws", "inbound-8443", Json::object(),
                    WsTlsStream(panel_name + ".vpn.example.com"), true};
  trojan.settings = {{"clients", Json::array({{{"password", "owner-password"},
                                               {"email", "owner-" + panel_name + "-trojan"},
                                               {"enable", true},
                                               {"subId", "owner"}}})},
                     {"fallbacks", Json::array()}};
  return {vless, trojan};
}

std::vector<PanelConfig> GeneratePanels(int count, int base_port, Flavor flavor, const std::string& username,
                                        const std::string& password, bool dataplane) {
  std::vector<PanelConfig> out;
  for (int i = 0; i < count; ++i) {
    PanelConfig p;
    p.name = "panel-" + std::to_string(i);
    p.port = base_port + i;
    p.username = username;
    p.password = password;
    p.flavor = flavor;
    p.dataplane = dataplane;
    p.inbounds = DefaultInbounds(p.name);
    // Data planes share one host: each panel's trojan inbound needs a port of its own, after the
    // panels' ports (the REALITY one is not served).
    if (dataplane) p.inbounds[1].port = base_port + count + i;
    out.push_back(p);
  }
  return out;
}

Result<std::vector<PanelConfig>> LoadPanels(const std::string& path, int* control_port) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  Result<std::vector<Json>> docs = api::YamlToJsonDocuments(ss.str(), path);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1 || !(*docs)[0].is_object()) return Status::InvalidArgument(path + ": expected one mapping");
  const Json& root = (*docs)[0];
  if (root.contains("control_port") && root["control_port"].is_number_integer()) *control_port = root["control_port"];
  std::vector<PanelConfig> out;
  for (const auto& p : root.value("panels", Json::array())) {
    PanelConfig c;
    c.name = p.value("name", "");
    c.port = p.value("port", 0);
    c.base_path = NormaliseBase(p.value("base_path", "/"));
    c.username = p.value("username", "admin");
    c.password = p.value("password", "admin");
    c.api_token = p.value("api_token", "");
    c.dataplane = p.value("dataplane", false);
    if (!ParseFlavor(p.value("flavor", "2.8"), &c.flavor)) {
      return Status::InvalidArgument(path + ": panel " + c.name + ": flavor must be 2.8-legacy, 2.8, 3.0 or 3.1");
    }
    if (c.name.empty() || c.port <= 0) return Status::InvalidArgument(path + ": every panel needs a name and a port");
    if (!p.contains("inbounds")) {
      c.inbounds = DefaultInbounds(c.name);
    } else {
      for (const auto& i : p["inbounds"]) {
        SimInbound s{i.value("id", 0), i.value("port", 0), i.value("protocol", "vless"), i.value("remark", ""),
                     i.value("tag", ""), Json::object(), StreamFromConfig(i, c.name), i.value("enable", true)};
        s.settings = {{"clients", i.value("clients", Json::array())}};
        if (s.protocol == "vless") s.settings["decryption"] = s.settings["encryption"] = "none";
        if (s.protocol == "shadowsocks") s.settings["method"] = i.value("method", "aes-256-gcm");
        c.inbounds.push_back(s);
      }
    }
    out.push_back(c);
  }
  return out;
}

SimServer::SimServer(std::vector<PanelConfig> panels, int control_port) : control_port_(control_port) {
  for (auto& p : panels) {
    std::string name = p.name;
    int port = p.port;
    Host& h = hosts_[name];
    h.panel = std::make_unique<SimPanel>(std::move(p));
    SimPanel* panel = h.panel.get();
    if (panel->config().dataplane) {
      h.dataplane = std::make_unique<Dataplane>(panel);
      panel->SetTrafficRefresh([dataplane = h.dataplane.get()] { dataplane->CollectNow(); });
    }
    h.http = std::make_unique<http::HttpServer>(port, [panel](const SimRequest& r) { return panel->Handle(r); },
                                                PanelServerOptions());
  }
}

SimServer::~SimServer() { Stop(); }

SimPanel* SimServer::panel(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : it->second.panel.get();
}

std::vector<std::string> SimServer::names() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& [n, h] : hosts_) out.push_back(n);
  return out;
}

Status SimServer::SetFaults(const std::string& name, const Faults& f) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = hosts_.find(name);
  if (it == hosts_.end()) return Status::NotFound("no panel " + name);
  Host& h = it->second;
  h.panel->SetFaults(f);
  if (f.outage) {
    h.http->Stop();
    return Status::Ok();
  }
  return h.http->Start();
}

Status SimServer::Start() {
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [name, h] : hosts_) {
      Status s = h.http->Start();
      if (!s.ok()) return s;
      if (h.dataplane) {
        s = h.dataplane->Start();
        if (!s.ok()) return s;
      }
    }
  }
  control_ = std::make_unique<http::HttpServer>(control_port_, [this](const SimRequest& r) { return Control(r); },
                                                PanelServerOptions());
  return control_->Start();
}

SimResponse SimServer::Control(const SimRequest& r) {
  std::vector<std::string> parts;
  for (size_t pos = 1; pos <= r.path.size();) {
    size_t next = r.path.find('/', pos);
    std::string part = r.path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (!part.empty()) parts.push_back(part);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  const std::string& m = r.method;
  Json body = Json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
  if (parts.size() == 1 && parts[0] == "healthz") return JsonReply(200, {{"ok", true}});
  if (parts.size() == 1 && parts[0] == "reset-counters" && m == "POST") {
    for (const auto& n : names()) panel(n)->ResetCounters();
    return JsonReply(200, {{"ok", true}});
  }
  if (parts.empty() || parts[0] != "panels") return JsonReply(404, {{"error", "no such path"}});
  if (parts.size() == 1) {
    Json all = Json::array();
    for (const auto& n : names()) all.push_back(DescribePanel(n));
    return JsonReply(200, all);
  }
  SimPanel* p = panel(parts[1]);
  if (p == nullptr) return JsonReply(404, {{"error", "no panel " + parts[1]}});
  std::string action = parts.size() > 2 ? parts[2] : "";
  if (action.empty() && m == "GET") return JsonReply(200, DescribePanel(parts[1]));
  if (action == "faults" && m == "PUT") {
    if (!body.is_object()) return JsonReply(400, {{"error", "body must be a JSON object"}});
    Faults f = p->faults();
    f.latency_ms = body.value("latency_ms", f.latency_ms);
    f.error_rate = body.value("error_rate", f.error_rate);
    f.fail_500 = body.value("fail_500", f.fail_500);
    f.outage = body.value("outage", f.outage);
    f.hang = body.value("hang", f.hang);
    f.api_fault = body.value("api_fault", f.api_fault);
    f.drip_ms = body.value("drip_ms", f.drip_ms);
    Status s = SetFaults(parts[1], f);
    return JsonReply(s.ok() ? 200 : 500, s.ok() ? p->Describe()["faults"] : Json{{"error", s.message()}});
  }
  if (action == "restart" && m == "POST") {
    p->Restart();
    RestartDataplane(parts[1]);
    return JsonReply(200, {{"ok", true}});
  }
  if (action == "expire-sessions" && m == "POST") {
    p->ExpireSessions();
    return JsonReply(200, {{"ok", true}});
  }
  if (action == "reset-counters" && m == "POST") {
    p->ResetCounters();
    return JsonReply(200, {{"ok", true}});
  }
  if (action == "clients" && m == "POST" && body.is_object()) {
    bool ok = p->AddClientByHand(body.value("inbound_id", 0), body.value("client", Json()));
    return JsonReply(ok ? 200 : 404, {{"ok", ok}});
  }
  if (action == "clients" && m == "DELETE" && parts.size() == 4) {
    bool ok = p->DeleteClientByHand(parts[3]);
    return JsonReply(ok ? 200 : 404, {{"ok", ok}});
  }
  return JsonReply(404, {{"error", "no such action"}});
}

Json SimServer::DescribePanel(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  Host& h = hosts_.at(name);
  Json out = h.panel->Describe();
  if (h.dataplane) out["dataplane"] = h.dataplane->Describe();
  return out;
}

void SimServer::RestartDataplane(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  Host& h = hosts_.at(name);
  if (h.dataplane) h.dataplane->RestartV2ray();
}

void SimServer::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, h] : hosts_) {
    h.panel->SetFaults(Faults{});  // release hung requests
    h.http->Stop();
    if (h.dataplane) h.dataplane->Stop();
  }
  if (control_) control_->Stop();
}

}  // namespace x3ui::sim
