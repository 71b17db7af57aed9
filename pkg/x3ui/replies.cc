#include "pkg/x3ui/replies.h"

#include "pkg/common/json_fields.h"
#include "pkg/common/json_parse.h"
#include "pkg/common/text.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::panel {
namespace {

Status Malformed(const std::string& what) {
  return Status::Internal("malformed panel reply: " + what).WithReason(kReasonMalformedReply);
}

// A panel can get every one of thousands of clients wrong: the message lists the first few.
constexpr size_t kMaxListedFieldErrors = 5;

Status FromFieldErrors(const std::string& what, const FieldErrors& errs) {
  std::string msg = what;
  for (size_t i = 0; i < errs.size() && i < kMaxListedFieldErrors; ++i) msg += "; " + errs[i].ToString();
  if (errs.size() > kMaxListedFieldErrors) msg += "; and " + std::to_string(errs.size() - kMaxListedFieldErrors) + " more";
  return Malformed(msg);
}

std::string TrimPanelMessage(std::string msg) {
  // Panel errors come from fmt.Sprintln: "… (Duplicate email: bob\n)". Keep them one line.
  std::string out;
  for (char c : msg) {
    if (c != '\n' && c != '\r') out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool Contains(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

void ReadClient(FieldReader& r, Client* c) {
  r.String("email", &c->email);
  r.String("id", &c->id);
  r.String("password", &c->password);
  r.String("flow", &c->flow);
  r.String("security", &c->security);
  r.String("method", &c->method);
  r.Int("limitIp", &c->limit_ip);
  r.Int("totalGB", &c->total_bytes);
  r.Int("expiryTime", &c->expiry_time);
  r.Bool("enable", &c->enable);
  r.String("subId", &c->sub_id);
  r.String("comment", &c->comment);
  r.Int("reset", &c->reset);
  c->unknown = r.Unknown();
  // tgId was a string in old panels and "" is still accepted by classic ones (x3ui-api.md §3.3).
  if (c->unknown.contains("tgId")) {
    const Json& t = c->unknown["tgId"];
    if (t.is_number_integer()) c->tg_id = t.get<int64_t>();
    c->unknown.erase("tgId");
  }
}

void ReadStat(FieldReader& r, ClientStat* s) {
  r.Int("id", &s->id);
  r.Int("inboundId", &s->inbound_id);
  r.Bool("enable", &s->enable);
  r.String("email", &s->email);
  r.String("uuid", &s->uuid);
  r.String("subId", &s->sub_id);
  r.Int("up", &s->up);
  r.Int("down", &s->down);
  r.Int("allTime", &s->all_time);
  r.Int("expiryTime", &s->expiry_time);
  r.Int("total", &s->total);
  r.Int("reset", &s->reset);
  r.Int("lastOnline", &s->last_online);
}

}  // namespace

Result<Envelope> ParseEnvelope(std::string_view body) {
  if (body.size() > kMaxReplyBytes) return Malformed("body of " + std::to_string(body.size()) + " bytes is too large");
  if (body.empty()) return Malformed("empty body");
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok()) return Malformed(parsed.status().message());
  Json& j = *parsed;
  if (!j.is_object()) return Malformed("not a JSON object");
  auto success = j.find("success");
  if (success == j.end() || !success->is_boolean()) return Malformed("no boolean \"success\"");
  Envelope e;
  e.success = success->get<bool>();
  auto msg = j.find("msg");
  if (msg != j.end() && msg->is_string()) e.msg = TrimPanelMessage(msg->get<std::string>());
  auto obj = j.find("obj");
  if (obj != j.end()) e.obj = std::move(*obj);
  return e;
}

Status CheckSuccess(const Envelope& e, const std::string& what) {
  if (e.success) return Status::Ok();
  const std::string& m = e.msg;
  std::string text = what + ": panel said \"" + CleanForeignText(m) + "\"";
  if (Contains(m, "Duplicate email") || Contains(m, "email already in use")) {
    return Status::FailedPrecondition(text).WithReason(kReasonDuplicateEmail);
  }
  if (Contains(m, "no client remained")) return Status::FailedPrecondition(text).WithReason(kReasonLastClient);
  if (Contains(m, "record not found") || Contains(m, "Inbound Not Found")) {
    return Status::NotFound(text).WithReason(kReasonRecordNotFound);
  }
  if (Contains(m, "Client Not Found") || Contains(m, "not found")) {
    return Status::NotFound(text).WithReason(kReasonClientNotFound);
  }
  if (Contains(m, "Invalid username or password") || Contains(m, "session has expired")) {
    return Status::Unauthenticated(text).WithReason(kReasonLoginFailed);
  }
  return Status::FailedPrecondition(text).WithReason(kReasonRejected);
}

Result<Json> ParseSettingsValue(const Json& v, const std::string& field) {
  if (v.is_object()) return v;
  if (v.is_null()) return Json::object();
  if (!v.is_string()) return Malformed(field + " is neither a JSON string nor an object");
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return Json::object();
  Result<Json> parsed = ParseJson(s);
  if (!parsed.ok()) return Malformed(field + ": " + parsed.status().message());
  if (!parsed->is_object()) return Malformed(field + " does not hold a JSON object");
  return parsed;
}

Result<std::vector<Client>> ParseClients(const Json& settings) {
  std::vector<Client> out;
  auto it = settings.find("clients");
  if (it == settings.end() || it->is_null()) return out;
  if (!it->is_array()) return Malformed("settings.clients is not an array");
  FieldErrors errs;
  for (size_t i = 0; i < it->size(); ++i) {
    FieldReader r((*it)[i], IndexPath("settings.clients", i), &errs);
    if (!r.valid()) continue;
    Client c;
    ReadClient(r, &c);
    out.push_back(std::move(c));
  }
  if (!errs.empty()) return FromFieldErrors("clients", errs);
  return out;
}

Result<Inbound> ParseInbound(const Json& obj) {
  if (!obj.is_object()) return Malformed("inbound is not an object");
  FieldErrors errs;
  FieldReader r(obj, "inbound", &errs);
  Inbound in;
  r.Int("id", &in.id);
  r.Int("up", &in.up);
  r.Int("down", &in.down);
  r.Int("total", &in.total);
  r.String("remark", &in.remark);
  r.Bool("enable", &in.enable);
  r.Int("expiryTime", &in.expiry_time);
  r.String("listen", &in.listen);
  r.Int("port", &in.port);
  r.String("protocol", &in.protocol);
  r.String("tag", &in.tag);
  r.List("clientStats", &in.client_stats, [](FieldReader& s, ClientStat* st) { ReadStat(s, st); });
  if (!errs.empty()) return FromFieldErrors("inbound " + std::to_string(in.id), errs);
  for (auto [key, out] : {std::pair{"settings", &in.settings}, std::pair{"streamSettings", &in.stream_settings},
                          std::pair{"sniffing", &in.sniffing}}) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    Result<Json> v = ParseSettingsValue(*it, std::string("inbound ") + std::to_string(in.id) + " " + key);
    if (!v.ok()) return v.status();
    *out = std::move(v).value();
  }
  Result<std::vector<Client>> clients = ParseClients(in.settings);
  if (!clients.ok()) return clients.status().WithContext("inbound " + std::to_string(in.id));
  in.clients = std::move(clients).value();
  in.settings.erase("clients");
  return in;
}

Result<std::vector<Inbound>> ParseInboundList(const Json& obj) {
  std::vector<Inbound> out;
  if (obj.is_null()) return out;
  if (!obj.is_array()) return Malformed("inbound list is not an array");
  for (const auto& item : obj) {
    Result<Inbound> in = ParseInbound(item);
    if (!in.ok()) return in.status();
    out.push_back(std::move(in).value());
  }
  return out;
}

Result<ServerStatus> ParseServerStatus(const Json& obj) {
  if (obj.is_null()) {
    return Status::Unavailable("panel status not ready yet (the panel has just started)").WithReason(kReasonStatusNotReady);
  }
  if (!obj.is_object()) return Malformed("server status is not an object");
  FieldErrors errs;
  FieldReader r(obj, "status", &errs);
  ServerStatus s;
  r.Double("cpu", &s.cpu);
  r.Int("uptime", &s.uptime);
  r.String("panelVersion", &s.panel_version);
  r.Object("xray", &s, [](FieldReader& x, ServerStatus* out) {
    x.String("state", &out->xray_state);
    x.String("errorMsg", &out->xray_error);
    x.String("version", &out->xray_version);
  });
  if (!errs.empty()) return FromFieldErrors("server status", errs);
  if (s.xray_state.empty()) return Malformed("server status has no xray.state");
  // Both end up in the node's conditions.
  s.xray_state = CleanForeignText(s.xray_state, 64);
  s.xray_error = CleanForeignText(s.xray_error);
  return s;
}

Result<std::vector<std::string>> ParseOnlines(const Json& obj) {
  std::vector<std::string> out;
  if (obj.is_null()) return out;
  if (!obj.is_array()) return Malformed("onlines is not an array");
  for (const auto& e : obj) {
    if (!e.is_string()) return Malformed("onlines holds a non-string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<ClientStat> ParseClientStat(const Json& obj) {
  if (!obj.is_object()) return Malformed("client traffic is not an object");
  FieldErrors errs;
  FieldReader r(obj, "traffic", &errs);
  ClientStat s;
  ReadStat(r, &s);
  if (!errs.empty()) return FromFieldErrors("client traffic", errs);
  return s;
}

Json EncodeClient(const std::string& protocol, const Client& c) {
  Json j = c.unknown.is_object() ? c.unknown : Json::object();
  j["email"] = c.email;
  if (protocol == "vless" || protocol == "vmess") j["id"] = c.id;
  if (protocol == "vless") j["flow"] = c.flow;
  if (protocol == "vmess") j["security"] = c.security.empty() ? "auto" : c.security;
  if (protocol == "trojan" || protocol == "shadowsocks") j["password"] = c.password;
  if (protocol == "shadowsocks") j["method"] = c.method;
  j["limitIp"] = c.limit_ip;
  j["totalGB"] = c.total_bytes;
  j["expiryTime"] = c.expiry_time;
  j["enable"] = c.enable;
  j["tgId"] = c.tg_id;  // a number: 3.1's typed binding rejects ""
  j["subId"] = c.sub_id;
  j["comment"] = c.comment;
  j["reset"] = c.reset;
  return j;
}

}  // namespace x3ui::panel
