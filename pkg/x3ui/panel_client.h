// File: pkg/x3ui/panel_client.h
//
// PanelClient: typed operations on one 3x-ui panel over its HTTP API (x3ui-api.md), for every
// API flavor: classic client endpoints (2.x), the same behind CSRF and a login limiter (3.0.x),
// and /panel/api/clients/* (3.1+), detected on first use.
//
// Authentication: a bearer API token when configured (no login, no CSRF); otherwise a login that
// keeps the `3x-ui` session cookie in this client's own jar and, on 3.0+, the CSRF token. A call
// answered 401/403/404/307 logs in again once and retries; a second 404 means the endpoint is
// missing on this panel version (NotFound/EndpointMissing). A failed login is not retried before
// a backoff (60 s doubling to 15 min by default): the 3.0 limiter locks an account for 15
// minutes after 5 failures in 5 minutes, and a retry storm must never cause that.
//
// Credentials and the session cookie never appear in a Status message or a log line; nor do
// request paths (a classic panel's client key travels in the path) or the panel's web base path:
// messages name the operation, the inbound and the panel's host:port. Panel text quoted in a
// message is cleaned and bounded (CleanForeignText). Credentials that are not UTF-8 are refused
// (InvalidArgument) before any login.
//
// Thread-safety: every method may be called concurrently. No lock is held across a request: one
// caller logs in at a time and the others wait for its outcome, at most options.wait_limit.
// Mutations are NOT serialised here; PanelSession (session_pool.h) does that per panel.
#ifndef X3UI_PKG_X3UI_PANEL_CLIENT_H_
#define X3UI_PKG_X3UI_PANEL_CLIENT_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pkg/common/clock.h"
#include "pkg/common/status.h"
#include "pkg/x3ui/http_transport.h"
#include "pkg/x3ui/model.h"

namespace x3ui::panel {

struct PanelCredentials {
  std::string username;
  std::string password;
  std::string api_token;  // 3.0+; used instead of username/password when set
  bool operator==(const PanelCredentials&) const = default;
};

struct PanelOptions {
  std::string url;  // scheme://host:port/base/, the panel's web base path included
  PanelCredentials credentials;
  std::chrono::milliseconds login_backoff{60000};
  std::chrono::milliseconds max_login_backoff{15 * 60000};
  // The longest a call waits for a login another caller has in progress (and PanelSession for a
  // listing or a change in progress) before failing with DeadlineExceeded (reason PanelBusy).
  std::chrono::milliseconds wait_limit{21000};
};

// Called once per HTTP request: operation ("login", "list", "addClient", ...), outcome
// ("success", "rejected", "auth", "unavailable", "timeout", "malformed", "missing"), latency.
using RequestObserver = std::function<void(const std::string& op, const std::string& outcome,
                                           std::chrono::milliseconds latency)>;

class PanelClient {
 public:
  // `transport` is owned; `clock` is borrowed and must outlive the client.
  PanelClient(PanelOptions options, std::unique_ptr<HttpTransport> transport, const Clock* clock,
              RequestObserver observer = nullptr);

  // Logs in (or checks the token) and detects the API flavor. Other calls do this lazily.
  Status Connect();
  ApiFlavor flavor() const;
  std::chrono::milliseconds wait_limit() const { return options_.wait_limit; }

  // Resumes the login back-off of a panel that has refused the credentials since
  // `first_refusal` (a previous process's, as the node's status says): no login before the next
  // attempt the back-off schedule (login_backoff doubling to max_login_backoff, counted from the
  // first refusal) has after now, so that an operator in a crash loop does not try a refused
  // login on every start and lock the panel's account. `refusal` is the panel's earlier answer,
  // reported meanwhile.
  void ResumeLoginBackoff(TimePoint first_refusal, const std::string& refusal);

  Result<ServerStatus> GetServerStatus();
  Result<std::vector<Inbound>> ListInbounds();
  // The same list, shared rather than copied. A reply byte for byte the one last parsed is not
  // parsed again: its list is returned as it was. A prober lists every panel every few seconds,
  // and parsing a full panel's listing (every client and its traffic, settings nested as JSON
  // strings) each time was most of an idle operator's CPU.
  using InboundList = std::shared_ptr<const std::vector<Inbound>>;
  Result<InboundList> ListInboundsShared();
  // Adds every client to `inbound` (its id and protocol are used). Classic panels take the whole
  // batch in one call and refuse all of it on one duplicate email (FailedPrecondition/
  // DuplicateEmail); 3.1+ panels take one client per call.
  Status AddClients(const Inbound& inbound, const std::vector<Client>& clients);
  // Replaces the client whose key (ClientKey) was `old_key` with `client`, sent in full.
  Status UpdateClient(const Inbound& inbound, const std::string& old_key, const Client& client);
  // Deletes `client` from `inbound` (by key on classic panels, by email on 3.1+).
  Status DeleteClient(const Inbound& inbound, const Client& client);
  Result<ClientStat> GetClientTraffic(const std::string& email);
  Result<std::vector<std::string>> Onlines();

 private:
  struct Reply;
  // One API call with session handling: log in if needed, retry once after re-login. `op` is
  // the metrics label, `what` names the operation in messages ("deleting client bob from
  // inbound 3"); `path` never appears in a message.
  // `unchanged(body)`, when given, is asked about a 200 reply before it is parsed; true returns
  // a Reply marked `unchanged`, with nothing parsed.
  Result<Reply> Call(const std::string& op, const std::string& what, const std::string& method,
                     const std::string& path, const std::string& body,
                     const std::function<bool(const std::string&)>& unchanged = nullptr);
  Result<HttpResponse> SendRaw(const std::string& op, const std::string& method, const std::string& path,
                               const std::string& body, bool with_session);
  // What a login reads and rewrites: the cookie jar and the CSRF token. A login works on a copy,
  // with no lock held, and stores it back when it ends.
  struct LoginJar {
    std::map<std::string, std::string> cookies;
    std::string csrf_token;
    bool csrf_checked = false;
  };
  // Logs in; `l` holds auth_mu_ on entry and exit and is released during the requests.
  // REQUIRES: no login in progress.
  Status Login(std::unique_lock<std::mutex>& l);
  // The CSRF and login requests. No lock held.
  Status LoginExchange(LoginJar* jar);
  // Waits, at most options_.wait_limit, for the login in progress and returns its outcome.
  Status AwaitLogin(std::unique_lock<std::mutex>& l);
  Status EnsureSession();
  void Invalidate(uint64_t generation);
  Status DetectFlavor();
  void Observe(const std::string& op, const std::string& outcome, TimePoint start) const;

  const PanelOptions options_;
  const std::string where_;  // "panel host:port", what messages say of the panel (no base path)
  std::unique_ptr<HttpTransport> transport_;
  const Clock* clock_;
  RequestObserver observer_;

  mutable std::mutex auth_mu_;     // guards everything below; never held across a request
  std::condition_variable login_ended_;
  bool logging_in_ = false;        // a caller is logging in for everyone
  uint64_t logins_ended_ = 0;      // login attempts ended so far
  Status last_login_;              // how the last one ended
  std::map<std::string, std::string> cookies_;
  std::string csrf_token_;
  bool logged_in_ = false;
  uint64_t generation_ = 0;        // bumped on each login, so stale failures don't log out twice
  ApiFlavor flavor_ = ApiFlavor::kUnknown;
  bool csrf_checked_ = false;
  TimePoint next_login_;           // no login attempt before this
  std::chrono::milliseconds login_backoff_{0};
  Status last_login_error_;

  mutable std::mutex listed_mu_;  // guards the two below; held only to compare or swap them
  std::string listed_body_;       // the last inbound list reply parsed successfully
  InboundList listed_;            // what it parsed to
};

// The login back-off schedule: after a first refusal at `first_refusal`, attempts follow at
// waits of `base`, doubling up to `max`. Returns the first attempt after `now`, and in `backoff`
// the wait that led to it.
TimePoint NextLoginAttempt(TimePoint first_refusal, TimePoint now, std::chrono::milliseconds base,
                           std::chrono::milliseconds max, std::chrono::milliseconds* backoff);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_PANEL_CLIENT_H_
