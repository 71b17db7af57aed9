// File: tests/sim/sim_panel.h
//
// SimPanel: one simulated 3x-ui panel's state and HTTP behaviour, independent of the network
// (sim_server.h puts it on a port). It follows ../shared/x3ui-api.md including its traps:
// the envelope with trailing "\n" in messages, settings as JSON strings (objects from 3.1),
// whole-batch rejection on a duplicate email (case-insensitive, across inbounds), the last
// client of an inbound that cannot be deleted on classic panels, 404 with an empty body for
// unauthenticated calls (307/401 on the legacy flavor), CSRF and the login limiter on 3.0+,
// bearer tokens, 500 with an empty body on payloads without a clients array, and obj:null from
// server status for two seconds after a (re)start.
//
// Thread-safety: Handle and the control methods may be called concurrently.
#ifndef X3UI_TESTS_SIM_SIM_PANEL_H_
#define X3UI_TESTS_SIM_SIM_PANEL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pkg/http/http_server.h"

namespace x3ui::sim {

using Json = nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

// Panel versions the simulator can act as.
enum class Flavor {
  kV28Legacy,  // 2.7-2.8.3: unauthenticated XHR gets 401 JSON, others 307
  kV28,        // 2.8.4-2.9: classic endpoints, unauthenticated 404, delClient of unknown id is a no-op
  kV30,        // 3.0.x: CSRF, login limiter, bearer tokens, unknown delClient id is an error
  kV31,        // 3.1+: /panel/api/clients/*, classic client routes gone, settings as objects
};

bool ParseFlavor(const std::string& s, Flavor* out);  // "2.8-legacy", "2.8", "3.0", "3.1"
const char* FlavorName(Flavor f);

struct SimInbound {
  int64_t id = 0;
  int64_t port = 0;
  std::string protocol;  // vless | vmess | trojan | shadowsocks
  std::string remark;
  std::string tag;
  Json settings = Json::object();         // includes "clients"
  Json stream_settings = Json::object();
  bool enable = true;
};

struct PanelConfig {
  std::string name;
  int port = 0;
  std::string base_path = "/";  // normalised to /.../
  std::string username = "admin";
  std::string password = "admin";
  std::string api_token;        // 3.0+: accepted as Authorization: Bearer
  Flavor flavor = Flavor::kV28;
  std::vector<SimInbound> inbounds;
  // How long server status answers obj:null after a (re)start (a real panel's status job runs
  // every 2 s).
  std::chrono::milliseconds status_warmup{2000};
  // Serve the enabled inbounds with a real v2ray (dataplane.h), whose per-client byte counts
  // feed the traffic counters.
  bool dataplane = false;
};

// Injected faults; all off by default.
struct Faults {
  int latency_ms = 0;       // added to every request
  double error_rate = 0;    // fraction of requests answered 500 with an empty body
  bool fail_500 = false;    // every request answered 500
  bool outage = false;      // the port refuses connections (handled by the server)
  bool hang = false;        // requests wait until the hang is lifted (at most 120 s)
  // Requests under panel/api/ only (login and csrf-token still work): "not_found" answers 404
  // with an empty body, "garbled" 200 with an HTML error page that echoes the request path,
  // as a proxy in front of a panel might; "" is off.
  std::string api_fault;
  // Every reply's body is written as one-byte chunks with this pause (ms) after each (the head
  // at once), so that a client's idle timeout, restarted by every chunk, never fires while the
  // body takes (size x drip_ms) to arrive; 0 is off.
  int drip_ms = 0;
};

// A request's path is URL-decoded, e.g. /fra1/panel/api/inbounds/list.
using SimRequest = http::Request;
using SimResponse = http::Response;

class SimPanel {
 public:
  explicit SimPanel(PanelConfig config);

  const PanelConfig& config() const { return config_; }

  // Serves one panel request (faults such as latency and hang are applied here too).
  SimResponse Handle(const SimRequest& req);

  // --- control API ---
  Faults faults() const;
  void SetFaults(const Faults& f);
  void ExpireSessions();
  // Like a process restart: sessions and CSRF tokens are gone, status is null for 2 s; the
  // database (inbounds, clients) survives.
  void Restart();
  // Adds a client directly, as a person would in the panel UI (no duplicate checks).
  bool AddClientByHand(int64_t inbound_id, const Json& client);
  // Deletes a client by email wherever it is, even the last one of an inbound.
  bool DeleteClientByHand(const std::string& email);
  // A copy of the inbounds and their clients, as the data plane renders them.
  std::vector<SimInbound> Inbounds() const;
  // Called (without the panel's lock) before every request that reads traffic (the inbound list,
  // an inbound, a client's traffic) to bring the counters up to date; the data plane's
  // Dataplane::CollectNow. Set it before the panel serves.
  void SetTrafficRefresh(std::function<void()> refresh) { traffic_refresh_ = std::move(refresh); }
  // Adds bytes to a client's up/down counters (case-insensitive email); unknown emails are
  // ignored (a client deleted since its bytes were counted).
  void AddTraffic(const std::string& email, int64_t up, int64_t down);
  // State for tests: inbounds with clients, request counters, login limiter state.
  Json Describe() const;
  void ResetCounters();

 private:
  struct Session {
    std::string csrf;
    bool authenticated = false;
    int64_t login = 0;  // which successful login (1, 2, ...) authenticated it
  };
  struct LoginRecord {
    std::vector<SteadyTime> failures;
    SteadyTime blocked_until{};
  };

  SimResponse Serve(const SimRequest& req);
  SimResponse Route(const SimRequest& req, const std::string& rel);
  SimResponse Login(const SimRequest& req, const std::string& sid);
  SimResponse Api(const SimRequest& req, const std::string& api_path);
  SimResponse Classic(const SimRequest& req, const std::string& p);
  SimResponse ClientsApi(const SimRequest& req, const std::string& p);
  SimResponse AddClients(const Json& body, bool form);
  SimResponse UpdateClient(const std::string& key, const Json& body);
  SimResponse DelClient(int64_t inbound_id, const std::string& key);
  SimResponse ServerStatus();
  Json InboundJson(const SimInbound& in) const;
  Json ClientStats(const SimInbound& in) const;
  SimInbound* FindInbound(int64_t id);
  bool EmailTaken(const std::string& email, const std::string& sub_id, const std::string& except_email = "") const;
  void Count(const std::string& op);

  const PanelConfig config_;
  std::function<void()> traffic_refresh_;  // constant once the panel serves
  mutable std::mutex mu_;
  std::condition_variable hang_cv_;
  std::vector<SimInbound> inbounds_;            // guarded by mu_
  std::map<std::string, Json> traffic_;         // email (lower-case) -> {up, down, enable}
  std::map<std::string, Session> sessions_;     // cookie value -> session
  std::map<std::string, LoginRecord> logins_;   // ip + "\n" + lower(username)
  std::map<std::string, int64_t> counters_;     // op -> requests
  int64_t mutations_ = 0;
  // Every mutating request in arrival order, with the login of the session that sent it (0: none
  // or unknown), so a test can tell which process sent it (each logs in on its own); the last
  // kMutationLogSize are kept.
  static constexpr size_t kMutationLogSize = 10000;
  int64_t logins_ok_ = 0;
  int64_t mutation_requests_ = 0;
  std::deque<std::pair<int64_t, int64_t>> mutation_log_;  // (request number, session login)
  // Mutating requests that arrived while another was in flight on this panel: a real 2.x/3.0
  // panel can lose one of them (no lock on the inbound's read-modify-write).
  std::atomic<int> mutations_in_flight_{0};
  int64_t overlapping_mutations_ = 0;
  Faults faults_;
  SteadyTime started_;
  std::mt19937_64 rng_;
};

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_SIM_PANEL_H_
