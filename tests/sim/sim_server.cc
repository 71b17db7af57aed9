#include "tests/sim/sim_server.h"

#include <fstream>
#include <sstream>

#include <cpprest/http_listener.h>
#include <cpprest/uri.h>

#include "pkg/api/manifest.h"

namespace x3ui::sim {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;

SimRequest ToSim(http_request& r) {
  SimRequest s;
  s.method = r.method();
  s.path = web::uri::decode(r.relative_uri().path());
  for (const auto& [k, v] : r.headers()) {
    std::string key = k;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s.headers[key] = v;
  }
  try {
    s.body = r.extract_utf8string(true).get();
  } catch (const std::exception&) {
    s.body.clear();
  }
  std::string remote = r.remote_address();
  if (!remote.empty()) s.remote_ip = remote;
  return s;
}

void Reply(http_request& r, const SimResponse& s) {
  http_response resp(static_cast<web::http::status_code>(s.status));
  for (const auto& [k, v] : s.headers) resp.headers().add(k, v);
  if (!s.body.empty()) resp.set_body(s.body, s.content_type);
  r.reply(resp).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (const std::exception&) {
      // The client went away; nothing to do.
    }
  });
}

void ReplyJson(http_request& r, int status, const Json& j) { Reply(r, {status, j.dump()}); }

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

std::string NormaliseBase(std::string b) {
  if (b.empty() || b[0] != '/') b = "/" + b;
  if (b.back() != '/') b += "/";
  return b;
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
                                        const std::string& password) {
  std::vector<PanelConfig> out;
  for (int i = 0; i < count; ++i) {
    PanelConfig p;
    p.name = "panel-" + std::to_string(i);
    p.port = base_port + i;
    p.base_path = "/";
    p.username = username;
    p.password = password;
    p.flavor = flavor;
    p.inbounds = DefaultInbounds(p.name);
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
    if (!ParseFlavor(p.value("flavor", "2.8"), &c.flavor)) {
      return Status::InvalidArgument(path + ": panel " + c.name + ": flavor must be 2.8-legacy, 2.8, 3.0 or 3.1");
    }
    if (c.name.empty() || c.port <= 0) return Status::InvalidArgument(path + ": every panel needs a name and a port");
    if (!p.contains("inbounds")) {
      c.inbounds = DefaultInbounds(c.name);
    } else {
      for (const auto& i : p["inbounds"]) {
        SimInbound s{i.value("id", 0), i.value("port", 0), i.value("protocol", "vless"), i.value("remark", ""),
                     i.value("tag", ""), Json::object(), Json::object(), true};
        std::string stream = i.value("stream", "reality");
        s.stream_settings = stream == "reality" ? RealityStream() : WsTlsStream(c.name);
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
    hosts_[name].panel = std::make_unique<SimPanel>(std::move(p));
  }
}

SimServer::~SimServer() { Stop(); }

Status SimServer::Open(Host& h) {
  std::string url = "http://127.0.0.1:" + std::to_string(h.panel->config().port);
  try {
    auto l = std::make_unique<http_listener>(url);
    SimPanel* panel = h.panel.get();
    l->support([panel](http_request r) { Reply(r, panel->Handle(ToSim(r))); });
    l->open().wait();
    h.listener = std::move(l);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot listen on " + url + ": " + e.what());
  }
}

void SimServer::Close(Host& h) {
  if (!h.listener) return;
  try {
    h.listener->close().wait();
  } catch (const std::exception&) {
  }
  h.listener.reset();
}

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
  if (f.outage && h.listener) Close(h);
  if (!f.outage && !h.listener) return Open(h);
  return Status::Ok();
}

Status SimServer::Start() {
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [name, h] : hosts_) {
      Status s = Open(h);
      if (!s.ok()) return s;
    }
  }
  std::string url = "http://127.0.0.1:" + std::to_string(control_port_);
  try {
    control_ = std::make_unique<http_listener>(url);
    control_->support([this](http_request r) {
      std::string path = web::uri::decode(r.relative_uri().path());
      std::vector<std::string> parts;
      for (size_t pos = 1; pos <= path.size();) {
        size_t next = path.find('/', pos);
        std::string part = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        if (!part.empty()) parts.push_back(part);
        if (next == std::string::npos) break;
        pos = next + 1;
      }
      std::string m = r.method();
      Json body = Json::parse(r.extract_utf8string(true).get(), nullptr, false);
      if (parts.size() == 1 && parts[0] == "healthz") return ReplyJson(r, 200, {{"ok", true}});
      if (parts.size() == 1 && parts[0] == "reset-counters" && m == "POST") {
        for (const auto& n : names()) panel(n)->ResetCounters();
        return ReplyJson(r, 200, {{"ok", true}});
      }
      if (parts.empty() || parts[0] != "panels") return ReplyJson(r, 404, {{"error", "no such path"}});
      if (parts.size() == 1) {
        Json all = Json::array();
        for (const auto& n : names()) all.push_back(panel(n)->Describe());
        return ReplyJson(r, 200, all);
      }
      SimPanel* p = panel(parts[1]);
      if (p == nullptr) return ReplyJson(r, 404, {{"error", "no panel " + parts[1]}});
      std::string action = parts.size() > 2 ? parts[2] : "";
      if (action.empty() && m == "GET") return ReplyJson(r, 200, p->Describe());
      if (action == "faults" && m == "PUT") {
        Faults f = p->faults();
        if (!body.is_object()) return ReplyJson(r, 400, {{"error", "body must be a JSON object"}});
        f.latency_ms = body.value("latency_ms", f.latency_ms);
        f.error_rate = body.value("error_rate", f.error_rate);
        f.fail_500 = body.value("fail_500", f.fail_500);
        f.outage = body.value("outage", f.outage);
        f.hang = body.value("hang", f.hang);
        Status s = SetFaults(parts[1], f);
        return ReplyJson(r, s.ok() ? 200 : 500, s.ok() ? p->Describe()["faults"] : Json{{"error", s.message()}});
      }
      if (action == "restart" && m == "POST") {
        p->Restart();
        return ReplyJson(r, 200, {{"ok", true}});
      }
      if (action == "expire-sessions" && m == "POST") {
        p->ExpireSessions();
        return ReplyJson(r, 200, {{"ok", true}});
      }
      if (action == "reset-counters" && m == "POST") {
        p->ResetCounters();
        return ReplyJson(r, 200, {{"ok", true}});
      }
      if (action == "clients" && m == "POST" && body.is_object()) {
        bool ok = p->AddClientByHand(body.value("inbound_id", 0), body.value("client", Json()));
        return ReplyJson(r, ok ? 200 : 404, {{"ok", ok}});
      }
      if (action == "clients" && m == "DELETE" && parts.size() == 4) {
        bool ok = p->DeleteClientByHand(parts[3]);
        return ReplyJson(r, ok ? 200 : 404, {{"ok", ok}});
      }
      return ReplyJson(r, 404, {{"error", "no such action"}});
    });
    control_->open().wait();
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot listen on " + url + ": " + e.what());
  }
  return Status::Ok();
}

void SimServer::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, h] : hosts_) {
    h.panel->SetFaults(Faults{});  // release hung requests
    Close(h);
  }
  if (control_) {
    try {
      control_->close().wait();
    } catch (const std::exception&) {
    }
    control_.reset();
  }
}

}  // namespace x3ui::sim
