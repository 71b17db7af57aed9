#include "pkg/x3ui/panel_client.h"

#include "pkg/common/json_parse.h"
#include "pkg/common/text.h"
#include "pkg/common/url.h"
#include "pkg/x3ui/cookies.h"
#include "pkg/x3ui/limits.h"
#include "pkg/x3ui/reasons.h"
#include "pkg/x3ui/replies.h"

namespace x3ui::panel {
namespace {
// The wait after a refused login: `base` after the first, doubling after each next, up to `max`.
std::chrono::milliseconds NextLoginBackoff(std::chrono::milliseconds current, std::chrono::milliseconds base,
                                           std::chrono::milliseconds max) {
  return current.count() == 0 ? base : std::min(current * 2, max);
}
}  // namespace

struct PanelClient::Reply {
  Envelope envelope;
  std::string body;        // as it came
  bool unchanged = false;  // the caller's `unchanged` said so: nothing was parsed
};

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string Outcome(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return "success";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kDeadlineExceeded: return "timeout";
    case Status::Code::kUnauthenticated:
    case Status::Code::kPermissionDenied: return "auth";
    case Status::Code::kResourceExhausted: return "malformed";
    default: break;
  }
  if (s.reason() == kReasonMalformedReply) return "malformed";
  if (s.reason() == kReasonEndpointMissing) return "missing";
  return "rejected";
}

// Path segments travel URL-decoded to the panel's router, so '/' cannot be sent at all.
Result<std::string> Segment(const std::string& v, const char* what) {
  if (v.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (v.find('/') != std::string::npos) {
    return Status::InvalidArgument(std::string(what) + " contains '/', which the panel cannot route");
  }
  return PercentEncode(v, "-._~@+");
}

std::string CookieHeader(const std::map<std::string, std::string>& jar) {
  std::string out;
  for (const auto& [k, v] : jar) out += (out.empty() ? "" : "; ") + k + "=" + v;
  return out;
}

// Adds the cookies of the reply's Set-Cookie headers to `jar`. Fails, leaving `jar` as it was,
// when the headers are too large or the jar would outgrow what one Cookie header should carry.
Status StoreCookies(const HttpResponse& r, std::map<std::string, std::string>* jar) {
  std::map<std::string, std::string> next = *jar;
  size_t total = 0;
  auto range = r.headers.equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    total += it->second.size();
    Result<std::vector<Cookie>> cookies = ParseSetCookie(it->second);
    if (!cookies.ok()) return cookies.status();
    for (auto& c : *cookies) next[c.name] = std::move(c.value);
  }
  if (total > kMaxSetCookieBytes || CookieHeader(next).size() > kMaxSetCookieBytes) {
    return Status::ResourceExhausted("the panel's cookies take more than " + std::to_string(kMaxSetCookieBytes) +
                                     " bytes")
        .WithReason(kReasonMalformedReply);
  }
  *jar = std::move(next);
  return Status::Ok();
}

// JSON cannot carry bytes that are not UTF-8, and a password mangled on the way would count
// towards the 3.0 login limiter, so such credentials are refused before anything is sent.
// The message names the Secret key, never the value.
Status CheckCredentialText(const PanelCredentials& c) {
  for (auto [key, value] : {std::pair{"username", &c.username}, std::pair{"password", &c.password}}) {
    if (!IsValidUtf8(*value)) {
      return Status::InvalidArgument(std::string("the panel ") + key + " (Secret key " + key +
                                     ") is not valid UTF-8, which the panel's JSON login cannot carry")
          .WithReason(kReasonCredentialsInvalid);
    }
  }
  return Status::Ok();
}

std::string ClientsSettings(const std::string& protocol, const std::vector<Client>& clients) {
  Json arr = Json::array();
  for (const auto& c : clients) arr.push_back(EncodeClient(protocol, c));
  return DumpJson(Json{{"clients", arr}});
}

// The token travels in an Authorization header: a control character there would end the header
// (and could start another one).
Status CheckTokenText(const std::string& token) {
  for (unsigned char c : token) {
    if (c < 0x21 || c > 0x7E) {
      return Status::InvalidArgument("the panel API token (Secret key token) holds bytes other than printable ASCII")
          .WithReason(kReasonCredentialsInvalid);
    }
  }
  return Status::Ok();
}

}  // namespace

PanelClient::PanelClient(PanelOptions options, std::unique_ptr<HttpTransport> transport, const Clock* clock,
                         RequestObserver observer)
    : options_(std::move(options)),
      where_("panel " + UrlHostPort(options_.url)),
      transport_(std::move(transport)),
      clock_(clock),
      observer_(std::move(observer)) {}

ApiFlavor PanelClient::flavor() const {
  std::lock_guard<std::mutex> l(auth_mu_);
  return flavor_;
}

void PanelClient::Observe(const std::string& op, const std::string& outcome, TimePoint start) const {
  if (!observer_) return;
  observer_(op, outcome, std::chrono::duration_cast<std::chrono::milliseconds>(clock_->Now() - start));
}

Result<HttpResponse> PanelClient::SendRaw(const std::string& op, const std::string& method, const std::string& path,
                                          const std::string& body, bool with_session) {
  HttpRequest req{method, path, {{"Accept", "application/json"}, {"X-Requested-With", "XMLHttpRequest"}}, body};
  if (method == "POST") req.headers.emplace_back("Content-Type", "application/json");
  if (!options_.credentials.api_token.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + options_.credentials.api_token);
  } else if (with_session) {
    std::lock_guard<std::mutex> l(auth_mu_);
    if (!cookies_.empty()) req.headers.emplace_back("Cookie", CookieHeader(cookies_));
    if (method == "POST" && !csrf_token_.empty()) req.headers.emplace_back("X-CSRF-Token", csrf_token_);
  }
  TimePoint start = clock_->Now();
  Result<HttpResponse> r = transport_->Send(req);
  if (!r.ok()) Observe(op, Outcome(r.status()), start);
  return r;
}

Status PanelClient::Login(std::unique_lock<std::mutex>& l) {
  TimePoint now = clock_->Now();
  if (now < next_login_) {
    // The refusal's own text, no countdown: callers put it in status, which must not change on
    // every probe while the panel keeps refusing.
    return Status::Unauthenticated(last_login_error_.message()).WithReason(kReasonLoginBackoff);
  }
  if (Status s = CheckCredentialText(options_.credentials); !s.ok()) return s.WithContext("login to " + where_);
  LoginJar jar{cookies_, csrf_token_, csrf_checked_};
  logging_in_ = true;
  l.unlock();
  Status s = LoginExchange(&jar);
  l.lock();
  cookies_ = std::move(jar.cookies);
  csrf_token_ = std::move(jar.csrf_token);
  csrf_checked_ = jar.csrf_checked;
  if (s.ok()) {
    logged_in_ = true;
    ++generation_;
    login_backoff_ = std::chrono::milliseconds(0);
    next_login_ = TimePoint{};
  } else if (s.reason() == kReasonLoginFailed) {
    login_backoff_ = NextLoginBackoff(login_backoff_, options_.login_backoff, options_.max_login_backoff);
    next_login_ = clock_->Now() + login_backoff_;
    last_login_error_ = s;
  }
  logging_in_ = false;
  ++logins_ended_;
  last_login_ = s;
  login_ended_.notify_all();
  return s;
}

Status PanelClient::AwaitLogin(std::unique_lock<std::mutex>& l) {
  const uint64_t seen = logins_ended_;
  if (!login_ended_.wait_for(l, options_.wait_limit, [&] { return logins_ended_ != seen; })) {
    return Status::DeadlineExceeded("waited " + std::to_string(options_.wait_limit.count()) +
                                    " ms for the login to " + where_ + " in progress")
        .WithReason(kReasonPanelBusy);
  }
  return logged_in_ ? Status::Ok() : last_login_;
}

Status PanelClient::LoginExchange(LoginJar* jar) {
  auto headers_for = [jar](bool post) {
    Headers h{{"Accept", "application/json"}, {"X-Requested-With", "XMLHttpRequest"}};
    if (post) h.emplace_back("Content-Type", "application/json");
    if (!jar->cookies.empty()) h.emplace_back("Cookie", CookieHeader(jar->cookies));
    if (post && !jar->csrf_token.empty()) h.emplace_back("X-CSRF-Token", jar->csrf_token);
    return h;
  };
  // 3.0+ panels want a CSRF token (and the cookie it comes with) before the login itself.
  if (!jar->csrf_checked) {
    TimePoint start = clock_->Now();
    Result<HttpResponse> r = transport_->Send({"GET", "csrf-token", headers_for(false), ""});
    if (!r.ok()) {
      Observe("csrf", Outcome(r.status()), start);
      return r.status().WithContext(where_ + " unreachable");
    }
    jar->csrf_token.clear();
    if (r->status == 200) {
      Result<Envelope> e = ParseEnvelope(r->body);
      if (e.ok() && e->success && e->obj.is_string()) {
        if (Status s = StoreCookies(*r, &jar->cookies); !s.ok()) {
          Observe("csrf", "malformed", start);
          return s.WithContext("CSRF token of " + where_);
        }
        jar->csrf_token = e->obj.get<std::string>();
      }
    }
    Observe("csrf", "success", start);
    jar->csrf_checked = true;
  }
  TimePoint start = clock_->Now();
  Json creds = {{"username", options_.credentials.username}, {"password", options_.credentials.password}};
  Result<HttpResponse> r = transport_->Send({"POST", "login", headers_for(true), DumpJson(creds)});
  if (!r.ok()) {
    Observe("login", Outcome(r.status()), start);
    return r.status().WithContext("login to " + where_);
  }
  if (r->status != 200) {
    // Not a verdict on the credentials, so no backoff: a wrong base path, a stale CSRF token, a
    // panel in trouble. None of these counts towards the 3.0 login limiter.
    if (r->status == 403) jar->csrf_checked = false;
    Observe("login", r->status == 404 ? "missing" : "unavailable", start);
    std::string msg = "login to " + where_ + " answered HTTP " + std::to_string(r->status);
    if (r->status == 404) {
      return Status::NotFound(msg + ": no 3x-ui panel at this URL; check spec.panel.url and its web base path")
          .WithReason(kReasonLoginNotFound);
    }
    return Status::Unavailable(msg).WithReason(kReasonHttpStatus);
  }
  Result<Envelope> e = ParseEnvelope(r->body);
  if (!e.ok()) {
    Observe("login", "malformed", start);
    return e.status().WithContext("login to " + where_);
  }
  if (!e->success) {
    Observe("login", "auth", start);
    return Status::Unauthenticated("login to " + where_ + " refused: " + CleanForeignText(e->msg)).WithReason(kReasonLoginFailed);
  }
  if (Status s = StoreCookies(*r, &jar->cookies); !s.ok()) {
    Observe("login", "malformed", start);
    return s.WithContext("login to " + where_);
  }
  Observe("login", "success", start);
  return Status::Ok();
}

void PanelClient::ResumeLoginBackoff(TimePoint first_refusal, const std::string& refusal) {
  std::chrono::milliseconds backoff{0};
  const TimePoint next =
      NextLoginAttempt(first_refusal, clock_->Now(), options_.login_backoff, options_.max_login_backoff, &backoff);
  std::lock_guard<std::mutex> l(auth_mu_);
  if (next <= next_login_) return;
  next_login_ = next;
  login_backoff_ = backoff;
  last_login_error_ = Status::Unauthenticated(CleanForeignText(refusal)).WithReason(kReasonLoginFailed);
}

TimePoint NextLoginAttempt(TimePoint first_refusal, TimePoint now, std::chrono::milliseconds base,
                           std::chrono::milliseconds max, std::chrono::milliseconds* backoff) {
  base = std::max(base, std::chrono::milliseconds(1));
  std::chrono::milliseconds b = NextLoginBackoff(std::chrono::milliseconds(0), base, max);
  TimePoint t = first_refusal + b;
  while (t <= now && b < max) {
    b = NextLoginBackoff(b, base, max);
    t += b;
  }
  // At the maximum the attempts are evenly spaced: jump to the first one after now.
  if (t <= now) t += b * ((now - t) / b + 1);
  *backoff = b;
  return t;
}

Status PanelClient::EnsureSession() {
  if (!options_.credentials.api_token.empty()) return CheckTokenText(options_.credentials.api_token);
  std::unique_lock<std::mutex> l(auth_mu_);
  if (logged_in_) return Status::Ok();
  if (logging_in_) return AwaitLogin(l);
  return Login(l);
}

void PanelClient::Invalidate(uint64_t generation) {
  std::lock_guard<std::mutex> l(auth_mu_);
  if (generation != generation_ || !logged_in_) return;  // someone already logged in again
  logged_in_ = false;
  cookies_.clear();
  csrf_checked_ = false;
}

Result<PanelClient::Reply> PanelClient::Call(const std::string& op, const std::string& what, const std::string& method,
                                             const std::string& path, const std::string& body,
                                             const std::function<bool(const std::string&)>& unchanged) {
  // Messages name the operation, never `path`: it can hold a client's UUID or password.
  const std::string context = what + " on " + where_;
  const bool token = !options_.credentials.api_token.empty();
  for (int attempt = 0;; ++attempt) {
    Status s = EnsureSession();
    if (!s.ok()) return s;
    uint64_t gen;
    {
      std::lock_guard<std::mutex> l(auth_mu_);
      gen = generation_;
    }
    TimePoint start = clock_->Now();
    Result<HttpResponse> r = SendRaw(op, method, path, body, true);
    if (!r.ok()) return r.status().WithContext(context);
    int code = r->status;
    bool auth_like = code == 401 || code == 403 || code == 404 || code == 302 || code == 307;
    if (auth_like && attempt == 0 && !token) {
      Invalidate(gen);  // the session may have expired: log in again once
      continue;
    }
    if (code == 404) {
      Observe(op, "missing", start);
      std::string msg = context + ": endpoint missing on this panel version";
      if (token) msg += " (or the API token was refused)";
      return Status::NotFound(msg).WithReason(kReasonEndpointMissing);
    }
    if (auth_like) {
      Observe(op, "auth", start);
      return Status::Unauthenticated(context + ": HTTP " + std::to_string(code) +
                                     (token ? " (API token refused)" : " after a fresh login"))
          .WithReason(kReasonSessionRejected);
    }
    if (code != 200) {
      Observe(op, code >= 500 ? "unavailable" : "rejected", start);
      return Status::Unavailable(context + ": HTTP " + std::to_string(code)).WithReason(kReasonHttpStatus);
    }
    if (unchanged && unchanged(r->body)) {
      Observe(op, "success", start);
      return Reply{Envelope{}, std::string(), true};
    }
    Result<Envelope> e = ParseEnvelope(r->body);
    if (!e.ok()) {
      Observe(op, "malformed", start);
      return e.status().WithContext(context);
    }
    Observe(op, e->success ? "success" : "rejected", start);
    return Reply{std::move(e).value(), std::move(r->body)};
  }
}

Status PanelClient::DetectFlavor() {
  {
    std::lock_guard<std::mutex> l(auth_mu_);
    if (flavor_ != ApiFlavor::kUnknown) return Status::Ok();
  }
  Status s = EnsureSession();
  if (!s.ok()) return s;
  TimePoint start = clock_->Now();
  Result<HttpResponse> r = SendRaw("detect", "GET", "panel/api/clients/list", "", true);
  if (!r.ok()) return r.status().WithContext("detecting the API of " + where_);
  ApiFlavor f = ApiFlavor::kUnknown;
  if (r->status == 200) {
    Result<Envelope> e = ParseEnvelope(r->body);
    if (e.ok() && e->success) f = ApiFlavor::kClientsApi;
  } else if (r->status == 404) {
    std::lock_guard<std::mutex> l(auth_mu_);
    f = csrf_token_.empty() ? ApiFlavor::kClassic : ApiFlavor::kClassicCsrf;
  }
  Observe("detect", f == ApiFlavor::kUnknown ? "rejected" : "success", start);
  if (f == ApiFlavor::kUnknown) {
    return Status::Unavailable("cannot tell the API flavor of " + where_ + " (HTTP " + std::to_string(r->status) + ")");
  }
  std::lock_guard<std::mutex> l(auth_mu_);
  flavor_ = f;
  return Status::Ok();
}

Status PanelClient::Connect() { return DetectFlavor(); }

Result<ServerStatus> PanelClient::GetServerStatus() {
  Result<Reply> r = Call("status", "server status", "GET", "panel/api/server/status", "");
  if (!r.ok()) return r.status();
  if (Status s = CheckSuccess(r->envelope, "server status"); !s.ok()) return s;
  return ParseServerStatus(r->envelope.obj);
}

Result<std::vector<Inbound>> PanelClient::ListInbounds() {
  Result<InboundList> list = ListInboundsShared();
  if (!list.ok()) return list.status();
  return **list;
}

Result<PanelClient::InboundList> PanelClient::ListInboundsShared() {
  // Only a reply that parsed successfully is kept, so an identical one is a success too.
  auto same_as_kept = [this](const std::string& body) {
    std::lock_guard<std::mutex> l(listed_mu_);
    return listed_ != nullptr && body == listed_body_;
  };
  Result<Reply> r = Call("list", "inbound list", "GET", "panel/api/inbounds/list", "", same_as_kept);
  if (!r.ok()) return r.status();
  if (r->unchanged) {
    // Another caller may have kept a newer reply since the comparison: that one is as current.
    std::lock_guard<std::mutex> l(listed_mu_);
    return listed_;
  }
  if (Status s = CheckSuccess(r->envelope, "inbound list"); !s.ok()) return s;
  Result<std::vector<Inbound>> parsed = ParseInboundList(r->envelope.obj);
  if (!parsed.ok()) return parsed.status();
  auto list = std::make_shared<const std::vector<Inbound>>(std::move(parsed).value());
  std::lock_guard<std::mutex> l(listed_mu_);
  listed_body_ = std::move(r->body);
  listed_ = list;
  return InboundList(list);
}

Status PanelClient::AddClients(const Inbound& inbound, const std::vector<Client>& clients) {
  if (clients.empty()) return Status::Ok();
  if (Status s = DetectFlavor(); !s.ok()) return s;
  if (flavor() != ApiFlavor::kClientsApi) {
    Json body = {{"id", inbound.id}, {"settings", ClientsSettings(inbound.protocol, clients)}};
    std::string what = "adding " + std::to_string(clients.size()) + " client(s) to inbound " + std::to_string(inbound.id);
    Result<Reply> r = Call("addClient", what, "POST", "panel/api/inbounds/addClient", DumpJson(body));
    if (!r.ok()) return r.status();
    return CheckSuccess(r->envelope, what);
  }
  for (const auto& c : clients) {
    Json body = {{"client", EncodeClient(inbound.protocol, c)}, {"inboundIds", {inbound.id}}};
    Result<Reply> r = Call("addClient", "adding client " + c.email + " to inbound " + std::to_string(inbound.id),
                           "POST", "panel/api/clients/add", DumpJson(body));
    if (!r.ok()) return r.status();
    if (Status s = CheckSuccess(r->envelope, "adding client " + c.email); !s.ok()) return s;
    // 3.1+ forces enable:true on create.
    if (!c.enable) {
      if (Status s = UpdateClient(inbound, ClientKey(inbound.protocol, c), c); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status PanelClient::UpdateClient(const Inbound& inbound, const std::string& old_key, const Client& client) {
  if (Status s = DetectFlavor(); !s.ok()) return s;
  const std::string what = "updating client " + client.email + " in inbound " + std::to_string(inbound.id);
  if (flavor() != ApiFlavor::kClientsApi) {
    Result<std::string> key = Segment(old_key, "client key");
    if (!key.ok()) return key.status();
    Json body = {{"id", inbound.id}, {"settings", ClientsSettings(inbound.protocol, {client})}};
    Result<Reply> r = Call("updateClient", what, "POST", "panel/api/inbounds/updateClient/" + *key, DumpJson(body));
    if (!r.ok()) return r.status();
    return CheckSuccess(r->envelope, "updating client " + client.email);
  }
  Result<std::string> email = Segment(client.email, "client email");
  if (!email.ok()) return email.status();
  Result<Reply> r = Call("updateClient", what, "POST", "panel/api/clients/update/" + *email,
                         DumpJson(EncodeClient(inbound.protocol, client)));
  if (!r.ok()) return r.status();
  return CheckSuccess(r->envelope, "updating client " + client.email);
}

Status PanelClient::DeleteClient(const Inbound& inbound, const Client& client) {
  if (Status s = DetectFlavor(); !s.ok()) return s;
  std::string path;
  if (flavor() != ApiFlavor::kClientsApi) {
    Result<std::string> key = Segment(ClientKey(inbound.protocol, client), "client key");
    if (!key.ok()) return key.status();
    path = "panel/api/inbounds/" + std::to_string(inbound.id) + "/delClient/" + *key;
  } else {
    Result<std::string> email = Segment(client.email, "client email");
    if (!email.ok()) return email.status();
    path = "panel/api/clients/del/" + *email;
  }
  Result<Reply> r = Call("delClient", "deleting client " + client.email + " from inbound " + std::to_string(inbound.id),
                         "POST", path, "");
  if (!r.ok()) return r.status();
  return CheckSuccess(r->envelope, "deleting client " + client.email);
}

Result<ClientStat> PanelClient::GetClientTraffic(const std::string& email) {
  if (Status s = DetectFlavor(); !s.ok()) return s;
  Result<std::string> e = Segment(email, "client email");
  if (!e.ok()) return e.status();
  std::string path = flavor() == ApiFlavor::kClientsApi ? "panel/api/clients/traffic/" + *e
                                                        : "panel/api/inbounds/getClientTraffics/" + *e;
  Result<Reply> r = Call("traffic", "traffic of " + email, "GET", path, "");
  if (!r.ok()) return r.status();
  if (Status s = CheckSuccess(r->envelope, "traffic of " + email); !s.ok()) return s;
  // Up to 2.8.1 an unknown email is success with obj null.
  if (r->envelope.obj.is_null()) return Status::NotFound("no traffic record for " + email).WithReason(kReasonClientNotFound);
  return ParseClientStat(r->envelope.obj);
}

Result<std::vector<std::string>> PanelClient::Onlines() {
  if (Status s = DetectFlavor(); !s.ok()) return s;
  std::string path = flavor() == ApiFlavor::kClientsApi ? "panel/api/clients/onlines" : "panel/api/inbounds/onlines";
  Result<Reply> r = Call("onlines", "online clients", "POST", path, "");
  if (!r.ok()) return r.status();
  if (Status s = CheckSuccess(r->envelope, "onlines"); !s.ok()) return s;
  return ParseOnlines(r->envelope.obj);
}

}  // namespace x3ui::panel
