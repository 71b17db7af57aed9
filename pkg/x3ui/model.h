// File: pkg/x3ui/model.h
//
// The 3x-ui panel's data model as its HTTP API carries it (x3ui-api.md §4): inbounds, the clients
// inside an inbound's `settings`, per-client traffic rows, and the server status. Units are the
// panel's: bytes (`totalGB` is bytes despite its name), milliseconds for times (a negative
// expiryTime is a duration that starts at first use).
//
// Thread-safety: plain values.
#ifndef X3UI_PKG_X3UI_MODEL_H_
#define X3UI_PKG_X3UI_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace x3ui::panel {

using Json = nlohmann::json;

// Which client endpoints a panel has (x3ui-api.md §0): the classic ones (2.x), the classic ones
// behind CSRF and a login limiter (3.0.x), or /panel/api/clients/* (3.1+).
enum class ApiFlavor { kUnknown, kClassic, kClassicCsrf, kClientsApi };

// "classic" (2.x), "classic-csrf" (3.0), "clients-api" (3.1+), "unknown"; for status.apiFlavor.
const char* ApiFlavorName(ApiFlavor f);

// One entry of an inbound's settings.clients.
struct Client {
  std::string email;        // the panel-wide identity, case-insensitively unique
  std::string id;           // vless / vmess UUID
  std::string password;     // trojan, shadowsocks
  std::string flow;         // vless: "" or xtls-rprx-vision
  std::string security;     // vmess: usually "auto"
  std::string method;       // shadowsocks: usually "" (the inbound's cipher applies)
  int64_t limit_ip = 0;     // 0 = unlimited
  int64_t total_bytes = 0;  // wire name totalGB, in bytes; 0 = unlimited
  int64_t expiry_time = 0;  // ms since epoch; 0 = never; negative = relative, from first use
  bool enable = true;
  int64_t tg_id = 0;
  std::string sub_id;
  std::string comment;
  int64_t reset = 0;        // auto-renew period in days
  Json unknown = Json::object();  // created_at, updated_at and anything newer, kept as they are

  bool operator==(const Client&) const = default;
};

// The field that identifies a client in classic update/delete paths: vmess/vless id, trojan
// password, shadowsocks email (x3ui-api.md §3).
const std::string& ClientKey(const std::string& protocol, const Client& c);

// One entry of clientStats (traffic counters kept by the panel per email).
struct ClientStat {
  int64_t id = 0;
  int64_t inbound_id = 0;
  bool enable = true;       // false once depleted
  std::string email;
  std::string uuid;
  std::string sub_id;
  int64_t up = 0;
  int64_t down = 0;
  int64_t all_time = 0;
  int64_t expiry_time = 0;
  int64_t total = 0;
  int64_t reset = 0;
  int64_t last_online = 0;
  bool operator==(const ClientStat&) const = default;
};

struct Inbound {
  int64_t id = 0;
  int64_t up = 0;
  int64_t down = 0;
  int64_t total = 0;
  std::string remark;
  bool enable = true;
  int64_t expiry_time = 0;
  std::string listen;
  int64_t port = 0;
  std::string protocol;     // vmess | vless | trojan | shadowsocks | ...
  std::string tag;
  std::vector<Client> clients;     // parsed from settings
  Json settings = Json::object();  // the rest of settings (decryption, fallbacks, method, ...)
  Json stream_settings = Json::object();
  Json sniffing = Json::object();
  std::vector<ClientStat> client_stats;
};

// `in` without its clients and their traffic: what a request about one client needs to know of
// its inbound. (A full panel's inbound holds thousands of clients; copying it per waiting user
// costs gigabytes.)
Inbound WithoutClients(const Inbound& in);

struct ServerStatus {
  double cpu = 0;
  std::string xray_state;    // running | stop | error
  std::string xray_error;
  std::string xray_version;  // "Unknown" when the panel cannot tell
  int64_t uptime = 0;        // host seconds
  std::string panel_version; // 3.1+ only
  bool healthy() const { return xray_state == "running"; }
};

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_MODEL_H_
