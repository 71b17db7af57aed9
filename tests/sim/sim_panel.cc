#include "tests/sim/sim_panel.h"

#include <algorithm>
#include <thread>

#include "pkg/common/url.h"

namespace x3ui::sim {
namespace {

using namespace std::chrono_literals;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SimResponse Envelope(bool success, const std::string& msg, Json obj = nullptr) {
  return {200, Json{{"success", success}, {"msg", msg}, {"obj", std::move(obj)}}.dump()};
}

SimResponse Ok(const std::string& msg, Json obj = nullptr) { return Envelope(true, msg, std::move(obj)); }

// Business errors: HTTP 200, success:false, "prefix (err\n)" as fmt.Sprintln leaves them.
SimResponse Fail(const std::string& err) { return Envelope(false, "Something went wrong (" + err + "\n)"); }

SimResponse Empty(int status) { return {status, "", "text/plain"}; }


// A form body (a=1&b=2) as a JSON object of strings.
Json ParseForm(const std::string& body) {
  Json out = Json::object();
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    std::string pair = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = pair.find('=');
    if (!pair.empty()) out[PercentDecode(pair.substr(0, eq), true)] = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::string CookieValue(const SimRequest& req, const std::string& name) {
  auto it = req.headers.find("cookie");
  if (it == req.headers.end()) return "";
  const std::string& c = it->second;
  size_t pos = 0;
  while (pos < c.size()) {
    while (pos < c.size() && (c[pos] == ' ' || c[pos] == ';')) ++pos;
    size_t end = c.find(';', pos);
    std::string pair = c.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

std::string Header(const SimRequest& req, const std::string& name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? "" : it->second;
}

bool IsJsonBody(const SimRequest& req) {
  // Gin binds JSON only when the request says so; anything else is read as a form.
  return Header(req, "content-type").find("application/json") != std::string::npos;
}

std::string Str(const Json& j, const std::string& key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Whether a request reads traffic counters (every flavor's routes).
bool ReadsTraffic(const std::string& path) {
  for (const char* route : {"/panel/api/inbounds/list", "/panel/api/inbounds/get/", "/getClientTraffics/",
                            "/panel/api/clients/traffic/", "/panel/api/clients/list"}) {
    if (path.find(route) != std::string::npos) return true;
  }
  return false;
}

const std::string& KeyField(const std::string& protocol) {
  static const std::string id = "id", password = "password", email = "email";
  if (protocol == "trojan") return password;
  if (protocol == "shadowsocks") return email;
  return id;
}

}  // namespace

bool ParseFlavor(const std::string& s, Flavor* out) {
  if (s == "2.8-legacy") *out = Flavor::kV28Legacy;
  else if (s == "2.8") *out = Flavor::kV28;
  else if (s == "3.0") *out = Flavor::kV30;
  else if (s == "3.1") *out = Flavor::kV31;
  else return false;
  return true;
}

const char* FlavorName(Flavor f) {
  switch (f) {
    case Flavor::kV28Legacy: return "2.8-legacy";
    case Flavor::kV28: return "2.8";
    case Flavor::kV30: return "3.0";
    case Flavor::kV31: return "3.1";
  }
  return "?";
}

SimPanel::SimPanel(PanelConfig config)
    : config_(std::move(config)), inbounds_(config_.inbounds), started_(std::chrono::steady_clock::now()),
      rng_(std::hash<std::string>{}(config_.name) ^ static_cast<uint64_t>(NowMs())) {
  for (const auto& in : inbounds_) {
    for (const auto& c : in.settings.value("clients", Json::array())) {
      traffic_[Lower(Str(c, "email"))] = {{"up", 0}, {"down", 0}, {"enable", true}};
    }
  }
}

Faults SimPanel::faults() const {
  std::lock_guard<std::mutex> l(mu_);
  return faults_;
}

void SimPanel::SetFaults(const Faults& f) {
  {
    std::lock_guard<std::mutex> l(mu_);
    faults_ = f;
  }
  hang_cv_.notify_all();
}

void SimPanel::ExpireSessions() {
  std::lock_guard<std::mutex> l(mu_);
  sessions_.clear();
}

void SimPanel::Restart() {
  std::lock_guard<std::mutex> l(mu_);
  sessions_.clear();
  started_ = std::chrono::steady_clock::now();
}

void SimPanel::ResetCounters() {
  std::lock_guard<std::mutex> l(mu_);
  counters_.clear();
  mutations_ = 0;
  overlapping_mutations_ = 0;
}

void SimPanel::Count(const std::string& op) { ++counters_[op]; }

SimInbound* SimPanel::FindInbound(int64_t id) {
  for (auto& in : inbounds_) {
    if (in.id == id) return &in;
  }
  return nullptr;
}

bool SimPanel::EmailTaken(const std::string& email, const std::string& sub_id, const std::string& except_email) const {
  std::string e = Lower(email);
  for (const auto& in : inbounds_) {
    for (const auto& c : in.settings.value("clients", Json::array())) {
      std::string other = Lower(Str(c, "email"));
      if (other != e || other == Lower(except_email)) continue;
      // 3.0 lets an email repeat when both entries share one non-empty subId.
      if (config_.flavor >= Flavor::kV30 && !sub_id.empty() && Str(c, "subId") == sub_id) continue;
      return true;
    }
  }
  return false;
}

SimResponse SimPanel::Handle(const SimRequest& req) {
  SimResponse r = Serve(req);
  std::lock_guard<std::mutex> l(mu_);
  r.pace = std::chrono::milliseconds(faults_.drip_ms);
  return r;
}

SimResponse SimPanel::Serve(const SimRequest& req) {
  // Everything a panel mutates goes through a POST under panel/api/ (login aside).
  bool mutation = req.method == "POST" && req.path.find("/panel/api/") != std::string::npos &&
                  req.path.find("onlines") == std::string::npos;
  if (mutation && mutations_in_flight_.fetch_add(1) > 0) {
    std::lock_guard<std::mutex> l(mu_);
    ++overlapping_mutations_;
  }
  struct Done {
    std::atomic<int>* n;
    bool on;
    ~Done() {
      if (on) n->fetch_sub(1);
    }
  } done{&mutations_in_flight_, mutation};
  Faults f;
  {
    std::unique_lock<std::mutex> l(mu_);
    f = faults_;
    if (f.hang) {
      hang_cv_.wait_for(l, 120s, [this] { return !faults_.hang; });
    }
  }
  if (f.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f.latency_ms));
  if (traffic_refresh_ && ReadsTraffic(req.path)) traffic_refresh_();
  std::lock_guard<std::mutex> l(mu_);
  Count("requests");
  if (mutation) {
    auto session = sessions_.find(CookieValue(req, "3x-ui"));
    mutation_log_.emplace_back(++mutation_requests_, session == sessions_.end() ? 0 : session->second.login);
    if (mutation_log_.size() > kMutationLogSize) mutation_log_.pop_front();
  }
  if (faults_.fail_500 || (faults_.error_rate > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < faults_.error_rate)) {
    Count("injected500");
    return Empty(500);
  }
  const std::string& base = config_.base_path;
  if (!faults_.api_fault.empty() && req.path.rfind(base + "panel/api/", 0) == 0) {
    Count("injectedApiFault");
    if (faults_.api_fault == "garbled") {
      return {200, "<html><body>502 Bad Gateway: " + req.path + "</body></html>", "text/html"};
    }
    return Empty(404);
  }
  if (req.path.rfind(base, 0) != 0) return Empty(404);
  return Route(req, req.path.substr(base.size()));
}

SimResponse SimPanel::Route(const SimRequest& req, const std::string& rel) {
  std::string sid = CookieValue(req, "3x-ui");
  if (rel == "csrf-token" && req.method == "GET") {
    if (config_.flavor < Flavor::kV30) return Empty(404);
    Count("csrf");
    if (sid.empty() || !sessions_.count(sid)) {
      sid = std::to_string(rng_()) + std::to_string(rng_());
      sessions_[sid] = Session{std::to_string(rng_()), false};
    }
    SimResponse r = Ok("", sessions_[sid].csrf);
    r.headers.push_back({"Set-Cookie", "3x-ui=" + sid + "; Path=" + config_.base_path + "; Max-Age=21600; HttpOnly; SameSite=Lax"});
    return r;
  }
  if (rel == "login" && req.method == "POST") return Login(req, sid);
  if (rel.rfind("panel/api/", 0) != 0) return Empty(404);

  // Authentication: a bearer token (3.0+), else the session cookie.
  bool xhr = Header(req, "x-requested-with") == "XMLHttpRequest";
  std::string auth = Header(req, "authorization");
  bool bearer = config_.flavor >= Flavor::kV30 && !config_.api_token.empty() && auth == "Bearer " + config_.api_token;
  auto s = sessions_.find(sid);
  bool session_ok = s != sessions_.end() && s->second.authenticated;
  if (!bearer && !session_ok) {
    Count("unauthenticated");
    if (config_.flavor == Flavor::kV28Legacy) {
      if (xhr) return {401, Json{{"success", false}, {"msg", "Your session has expired, please log in again"}, {"obj", nullptr}}.dump()};
      SimResponse r = Empty(307);
      r.headers.push_back({"Location", config_.base_path});
      return r;
    }
    if (config_.flavor >= Flavor::kV30 && xhr) return Empty(401);
    return Empty(404);
  }
  if (!bearer && config_.flavor >= Flavor::kV30 && req.method == "POST" && Header(req, "x-csrf-token") != s->second.csrf) {
    Count("csrfRejected");
    return Empty(403);
  }
  return Api(req, rel.substr(std::string("panel/api/").size()));
}

SimResponse SimPanel::Login(const SimRequest& req, const std::string& sid) {
  Count("login");
  if (config_.flavor >= Flavor::kV30) {
    auto s = sessions_.find(sid);
    if (s == sessions_.end() || Header(req, "x-csrf-token") != s->second.csrf) {
      Count("csrfRejected");
      return Empty(403);
    }
  }
  Json body = IsJsonBody(req) ? Json::parse(req.body, nullptr, false) : ParseForm(req.body);
  if (!body.is_object()) return Envelope(false, "Invalid username or password or two-factor code.");
  std::string user = Str(body, "username"), pass = Str(body, "password");
  if (user.empty()) return Envelope(false, "Username is required");
  if (pass.empty()) return Envelope(false, "Password is required");
  auto now = std::chrono::steady_clock::now();
  LoginRecord& rec = logins_[req.remote_ip + "\n" + Lower(user)];
  if (config_.flavor >= Flavor::kV30 && rec.blocked_until > now) {
    Count("loginBlocked");
    return Envelope(false, "Invalid username or password or two-factor code.");
  }
  if (user != config_.username || pass != config_.password) {
    Count("loginFailed");
    if (config_.flavor >= Flavor::kV30) {
      std::erase_if(rec.failures, [&](SteadyTime t) { return now - t > 5min; });
      rec.failures.push_back(now);
      if (rec.failures.size() >= 5) rec.blocked_until = now + 15min;
    }
    return Envelope(false, "Invalid username or password or two-factor code.");
  }
  rec = LoginRecord{};
  std::string session_id = sid;
  if (config_.flavor >= Flavor::kV30) {
    sessions_[session_id].authenticated = true;  // the CSRF token is not rotated
  } else {
    session_id = std::to_string(rng_()) + std::to_string(rng_());
    sessions_[session_id] = Session{"", true};
  }
  sessions_[session_id].login = ++logins_ok_;
  SimResponse r = Ok(" You have successfully logged into your account.");
  std::string path = config_.flavor >= Flavor::kV30 ? config_.base_path : "/";
  r.headers.push_back({"Set-Cookie", "3x-ui=" + session_id + "; Path=" + path + "; Max-Age=21600; HttpOnly; SameSite=Lax"});
  return r;
}

SimResponse SimPanel::Api(const SimRequest& req, const std::string& p) {
  if (p == "server/status" && req.method == "GET") {
    Count("status");
    return ServerStatus();
  }
  if (p == "inbounds/list" && req.method == "GET") {
    Count("list");
    Json arr = Json::array();
    for (const auto& in : inbounds_) arr.push_back(InboundJson(in));
    return Ok("", arr);
  }
  if (p.rfind("inbounds/get/", 0) == 0 && req.method == "GET") {
    Count("get");
    SimInbound* in = FindInbound(std::atoll(p.substr(13).c_str()));
    if (in == nullptr) return Envelope(false, "Obtain (record not found)");
    Json j = InboundJson(*in);
    j["clientStats"] = nullptr;
    return Ok("", j);
  }
  if (config_.flavor == Flavor::kV31) {
    if (p.rfind("clients/", 0) == 0) return ClientsApi(req, p.substr(8));
    return Empty(404);  // the classic client routes are gone
  }
  if (p.rfind("inbounds/", 0) == 0) return Classic(req, p.substr(9));
  return Empty(404);
}

SimResponse SimPanel::Classic(const SimRequest& req, const std::string& p) {
  bool json = IsJsonBody(req);
  Json body = json ? Json::parse(req.body.empty() ? "{}" : req.body, nullptr, false) : ParseForm(req.body);
  if (req.method == "POST" && p == "addClient") {
    Count("addClient");
    if (body.is_discarded()) return Envelope(false, "Inbound has been successfully updated. (invalid character in JSON)");
    return AddClients(body, !json);
  }
  if (req.method == "POST" && p.rfind("updateClient/", 0) == 0) {
    Count("updateClient");
    if (body.is_discarded()) return Envelope(false, "Inbound has been successfully updated. (invalid character in JSON)");
    return UpdateClient(p.substr(13), body);
  }
  size_t slash = p.find('/');
  if (req.method == "POST" && slash != std::string::npos && p.compare(slash, 11, "/delClient/") == 0) {
    Count("delClient");
    return DelClient(std::atoll(p.substr(0, slash).c_str()), p.substr(slash + 11));
  }
  if (req.method == "GET" && p.rfind("getClientTraffics/", 0) == 0) {
    Count("traffic");
    std::string email = Lower(p.substr(18));
    for (const auto& in : inbounds_) {
      Json stats = ClientStats(in);
      for (const auto& st : stats) {
        if (Lower(Str(st, "email")) == email) return Ok("", st);
      }
    }
    return Envelope(false, "Error getting traffics. (Inbound Not Found For Email: " + p.substr(18) + "\n)");
  }
  if (req.method == "POST" && p == "onlines") {
    Count("onlines");
    return Ok("", Json::array());
  }
  return Empty(404);
}

SimResponse SimPanel::AddClients(const Json& body, bool form) {
  if (!body.is_object()) return Envelope(false, "Inbound has been successfully updated. (bad request)");
  int64_t id = 0;
  auto idv = body.find("id");
  if (idv != body.end()) id = idv->is_number_integer() ? idv->get<int64_t>() : std::atoll(Str(body, "id").c_str());
  auto sv = body.find("settings");
  if (sv != body.end() && sv->is_object() && !form) {
    return Envelope(false, "Inbound has been successfully updated. (json: cannot unmarshal object into Go struct field "
                           "Inbound.settings of type string)");
  }
  Json settings = Json::parse(Str(body, "settings"), nullptr, false);
  // A payload without a clients array makes the real handler panic: 500 with an empty body.
  if (!settings.is_object() || !settings.contains("clients") || !settings["clients"].is_array()) return Empty(500);
  const Json& clients = settings["clients"];
  std::vector<std::string> batch;
  for (const auto& c : clients) {
    std::string email = Str(c, "email");
    bool dup_in_batch = std::find(batch.begin(), batch.end(), Lower(email)) != batch.end();
    if (!email.empty() && (dup_in_batch || EmailTaken(email, Str(c, "subId")))) return Fail("Duplicate email: " + email);
    batch.push_back(Lower(email));
  }
  SimInbound* in = FindInbound(id);
  if (in == nullptr) return Envelope(false, "Something went wrong (record not found)");
  for (const auto& c : clients) {
    if (Str(c, KeyField(in->protocol)).empty()) return Fail("empty client ID");
    if (config_.flavor >= Flavor::kV30 && Str(c, "email").empty()) return Fail("client email is required");
  }
  int64_t now = NowMs();
  for (Json c : clients) {
    c["created_at"] = now;
    c["updated_at"] = now;
    if (c.contains("tgId") && c["tgId"].is_string()) c["tgId"] = 0;
    in->settings["clients"].push_back(c);
    traffic_[Lower(Str(c, "email"))] = {{"up", 0}, {"down", 0}, {"enable", true}};
  }
  ++mutations_;
  return Ok("Inbound client(s) have been added.");
}

SimResponse SimPanel::UpdateClient(const std::string& key, const Json& body) {
  if (!body.is_object()) return Fail("bad request");
  int64_t id = body.contains("id") && body["id"].is_number_integer() ? body["id"].get<int64_t>()
                                                                      : std::atoll(Str(body, "id").c_str());
  SimInbound* in = FindInbound(id);
  if (in == nullptr) return Envelope(false, "Something went wrong (record not found)");
  Json settings = body.contains("settings") && body["settings"].is_string()
                      ? Json::parse(body["settings"].get<std::string>(), nullptr, false)
                      : Json();
  if (!settings.is_object() || !settings.contains("clients") || !settings["clients"].is_array() ||
      settings["clients"].empty()) {
    return Empty(500);
  }
  Json next = settings["clients"][0];
  Json& list = in->settings["clients"];
  for (auto& c : list) {
    if (Str(c, KeyField(in->protocol)) != key) continue;
    std::string old_email = Str(c, "email"), new_email = Str(next, "email");
    if (Lower(old_email) != Lower(new_email) && EmailTaken(new_email, Str(next, "subId"))) {
      return Fail("Duplicate email: " + new_email);
    }
    next["created_at"] = c.value("created_at", NowMs());
    next["updated_at"] = NowMs();
    c = next;
    if (Lower(old_email) != Lower(new_email)) {
      traffic_[Lower(new_email)] = traffic_[Lower(old_email)];
      traffic_.erase(Lower(old_email));
    }
    ++mutations_;
    return Ok("Inbound client has been updated.");
  }
  return Fail("empty client ID");
}

SimResponse SimPanel::DelClient(int64_t inbound_id, const std::string& key) {
  SimInbound* in = FindInbound(inbound_id);
  if (in == nullptr) return Envelope(false, "Something went wrong (record not found)");
  Json& list = in->settings["clients"];
  for (size_t i = 0; i < list.size(); ++i) {
    if (Str(list[i], KeyField(in->protocol)) != key) continue;
    if (list.size() == 1) return Fail("no client remained in Inbound");
    traffic_.erase(Lower(Str(list[i], "email")));
    list.erase(i);
    ++mutations_;
    return Ok("Inbound client has been deleted.");
  }
  if (config_.flavor >= Flavor::kV30) return Fail("Client Not Found In Inbound For ID: " + key);
  return Ok("Inbound client has been deleted.");  // up to 2.9.3 an unknown id is a silent no-op
}

SimResponse SimPanel::ClientsApi(const SimRequest& req, const std::string& p) {
  Json body = Json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (req.method == "POST" && p == "add") {
    Count("addClient");
    if (!IsJsonBody(req) || !body.is_object()) return Envelope(false, "bad request\n");
    Json c = body.value("client", Json::object());
    std::string email = Str(c, "email");
    if (email.empty()) return Envelope(false, "client email is required\n");
    if (email.find_first_of("/\\ \t\r\n") != std::string::npos) return Envelope(false, "invalid email\n");
    Json ids = body.value("inboundIds", Json::array());
    if (!ids.is_array() || ids.empty()) return Envelope(false, "at least one inbound is required\n");
    if (EmailTaken(email, Str(c, "subId"))) return Envelope(false, "email already in use: " + email + "\n");
    c["enable"] = true;  // forced on create
    if (Str(c, "subId").empty()) c["subId"] = std::to_string(rng_());
    int64_t now = NowMs();
    c["created_at"] = now;
    c["updated_at"] = now;
    for (const auto& idv : ids) {
      SimInbound* in = idv.is_number_integer() ? FindInbound(idv.get<int64_t>()) : nullptr;
      if (in == nullptr) return Envelope(false, "record not found\n");  // earlier inbounds keep it
      Json copy = c;
      if (Str(copy, KeyField(in->protocol)).empty()) copy[KeyField(in->protocol)] = std::to_string(rng_());
      in->settings["clients"].push_back(copy);
      traffic_[Lower(email)] = {{"up", 0}, {"down", 0}, {"enable", true}};
      ++mutations_;
    }
    return Ok("", nullptr);
  }
  if (req.method == "POST" && p.rfind("update/", 0) == 0) {
    Count("updateClient");
    std::string email = Lower(p.substr(7));
    if (!body.is_object()) return Envelope(false, "bad request\n");
    bool found = false;
    for (auto& in : inbounds_) {
      for (auto& c : in.settings["clients"]) {
        if (Lower(Str(c, "email")) != email) continue;
        Json next = body;
        // The full client is expected: a missing credential field is regenerated.
        if (Str(next, KeyField(in.protocol)).empty()) next[KeyField(in.protocol)] = std::to_string(rng_());
        next["created_at"] = c.value("created_at", NowMs());
        next["updated_at"] = NowMs();
        c = next;
        found = true;
      }
    }
    if (!found) return Envelope(false, "client not found: " + p.substr(7) + "\n");
    ++mutations_;
    return Ok("", nullptr);
  }
  if (req.method == "POST" && p.rfind("del/", 0) == 0) {
    Count("delClient");
    std::string email = Lower(p.substr(4));
    bool found = false;
    for (auto& in : inbounds_) {
      Json& list = in.settings["clients"];
      for (size_t i = 0; i < list.size(); ++i) {
        if (Lower(Str(list[i], "email")) == email) {
          list.erase(i);
          found = true;
          break;
        }
      }
    }
    if (!found) return Envelope(false, "client not found: " + p.substr(4) + "\n");
    traffic_.erase(email);
    ++mutations_;
    return Ok("", nullptr);
  }
  if (req.method == "GET" && p.rfind("traffic/", 0) == 0) {
    Count("traffic");
    std::string email = Lower(p.substr(8));
    for (const auto& in : inbounds_) {
      for (const auto& st : ClientStats(in)) {
        if (Lower(Str(st, "email")) == email) return Ok("", st);
      }
    }
    return Envelope(false, "client not found: " + p.substr(8) + "\n");
  }
  if (p == "onlines") {
    Count("onlines");
    return Ok("", Json::array());
  }
  if (req.method == "GET" && p == "list") {
    Count("clientsList");
    Json out = Json::array();
    for (const auto& in : inbounds_) {
      for (const auto& c : in.settings["clients"]) {
        Json e = c;
        e["inboundIds"] = {in.id};
        out.push_back(e);
      }
    }
    return Ok("", out);
  }
  return Empty(404);
}

SimResponse SimPanel::ServerStatus() {
  // Refreshed by a periodic job (2 s on a real panel): null right after a (re)start.
  if (std::chrono::steady_clock::now() - started_ < config_.status_warmup) return Ok("", nullptr);
  Json obj = {{"cpu", 3.5},
              {"cpuCores", 2},
              {"mem", {{"current", 612368384}, {"total", 2063224832}}},
              {"xray", {{"state", "running"}, {"errorMsg", ""}, {"version", "26.2.6"}}},
              {"uptime", 864123},
              {"loads", {0.08, 0.05, 0.01}},
              {"tcpCount", 57},
              {"udpCount", 6},
              {"appStats", {{"threads", 24}, {"mem", 38211592}, {"uptime", 86110}}}};
  if (config_.flavor == Flavor::kV31) obj["panelVersion"] = "3.1.0";
  return Ok("", obj);
}

Json SimPanel::ClientStats(const SimInbound& in) const {
  Json out = Json::array();
  int64_t n = 0;
  for (const auto& c : in.settings.value("clients", Json::array())) {
    std::string email = Str(c, "email");
    auto t = traffic_.find(Lower(email));
    Json st = {{"id", in.id * 100000 + ++n},
               {"inboundId", in.id},
               {"enable", t == traffic_.end() ? true : t->second.value("enable", true)},
               {"email", email},
               {"uuid", in.protocol == "vless" || in.protocol == "vmess" ? Str(c, "id") : ""},
               {"subId", Str(c, "subId")},
               {"up", t == traffic_.end() ? 0 : t->second.value("up", int64_t{0})},
               {"down", t == traffic_.end() ? 0 : t->second.value("down", int64_t{0})},
               {"expiryTime", c.value("expiryTime", 0)},
               {"total", c.value("totalGB", 0)},
               {"reset", c.value("reset", 0)},
               {"lastOnline", 0}};
    if (config_.flavor != Flavor::kV31) st["allTime"] = st["up"].get<int64_t>() + st["down"].get<int64_t>();
    out.push_back(st);
  }
  return out;
}

Json SimPanel::InboundJson(const SimInbound& in) const {
  Json sniffing = {{"enabled", false}, {"destOverride", {"http", "tls", "quic"}}};
  bool objects = config_.flavor == Flavor::kV31;  // 3.1+ replies carry nested objects
  Json j = {{"id", in.id},
            {"up", 0},
            {"down", 0},
            {"total", 0},
            {"remark", in.remark},
            {"enable", in.enable},
            {"expiryTime", 0},
            {"trafficReset", "never"},
            {"lastTrafficResetTime", 0},
            {"clientStats", ClientStats(in)},
            {"listen", ""},
            {"port", in.port},
            {"protocol", in.protocol},
            {"settings", objects ? in.settings : Json(in.settings.dump())},
            {"streamSettings", objects ? in.stream_settings : Json(in.stream_settings.dump())},
            {"tag", in.tag},
            {"sniffing", objects ? sniffing : Json(sniffing.dump())}};
  if (!objects) j["allTime"] = 0;
  return j;
}

bool SimPanel::AddClientByHand(int64_t inbound_id, const Json& client) {
  std::lock_guard<std::mutex> l(mu_);
  SimInbound* in = FindInbound(inbound_id);
  if (in == nullptr || !client.is_object()) return false;
  in->settings["clients"].push_back(client);
  traffic_[Lower(Str(client, "email"))] = {{"up", 0}, {"down", 0}, {"enable", true}};
  return true;
}

bool SimPanel::DeleteClientByHand(const std::string& email) {
  std::lock_guard<std::mutex> l(mu_);
  bool found = false;
  for (auto& in : inbounds_) {
    Json& list = in.settings["clients"];
    for (size_t i = 0; i < list.size(); ++i) {
      if (Lower(Str(list[i], "email")) == Lower(email)) {
        list.erase(i);
        found = true;
        break;
      }
    }
  }
  traffic_.erase(Lower(email));
  return found;
}

std::vector<SimInbound> SimPanel::Inbounds() const {
  std::lock_guard<std::mutex> l(mu_);
  return inbounds_;
}

void SimPanel::AddTraffic(const std::string& email, int64_t up, int64_t down) {
  std::lock_guard<std::mutex> l(mu_);
  auto t = traffic_.find(Lower(email));
  if (t == traffic_.end()) return;
  t->second["up"] = t->second.value("up", int64_t{0}) + up;
  t->second["down"] = t->second.value("down", int64_t{0}) + down;
}

Json SimPanel::Describe() const {
  std::lock_guard<std::mutex> l(mu_);
  Json inbounds = Json::array();
  for (const auto& in : inbounds_) {
    inbounds.push_back({{"id", in.id}, {"protocol", in.protocol}, {"tag", in.tag},
                        {"clients", in.settings.value("clients", Json::array())}});
  }
  Json limiter = Json::object();
  auto now = std::chrono::steady_clock::now();
  for (const auto& [key, rec] : logins_) {
    limiter[key.substr(key.find('\n') + 1)] = {{"failures", rec.failures.size()}, {"blocked", rec.blocked_until > now}};
  }
  return {{"name", config_.name},
          {"port", config_.port},
          {"flavor", FlavorName(config_.flavor)},
          {"inbounds", inbounds},
          {"counters", counters_},
          {"mutations", mutations_},
          {"successful_logins", logins_ok_},
          {"mutation_requests", mutation_requests_},
          {"mutations_in_flight", mutations_in_flight_.load()},
          {"mutation_log", [this] {
             Json log = Json::array();
             for (const auto& [n, login] : mutation_log_) log.push_back({{"request", n}, {"login", login}});
             return log;
           }()},
          {"overlapping_mutations", overlapping_mutations_},
          {"sessions", sessions_.size()},
          {"logins", limiter},
          {"faults",
           {{"latency_ms", faults_.latency_ms}, {"error_rate", faults_.error_rate}, {"fail_500", faults_.fail_500},
            {"outage", faults_.outage}, {"hang", faults_.hang}, {"api_fault", faults_.api_fault}, {"drip_ms", faults_.drip_ms}}}};
}

}  // namespace x3ui::sim
