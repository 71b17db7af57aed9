// File: pkg/subscription/render.h
//
// The bodies and headers of a subscription reply, as pure functions of a UserView: `base64`
// (the newline-joined share links, base64-encoded: what most apps read), `clash` (Mihomo YAML:
// one proxy per vless:// or trojan:// link, parsed back from the link, and a `fallback` group in
// node order; links of other schemes are left out of it), `info` (JSON for scripts and pages).
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_RENDER_H_
#define X3UI_PKG_SUBSCRIPTION_RENDER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkg/subscription/format.h"
#include "pkg/subscription/user_view.h"

namespace x3ui::subscription {

struct Rendered {
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct RenderOptions {
  int update_interval_hours = 12;  // profile-update-interval
};

Rendered Render(const UserView& u, Format f, const RenderOptions& o);
// The strong ETag of a body (a quoted hex prefix of its SHA-256).
std::string ETagOf(const std::string& body);
// "upload=0; download=0; total=T; expire=E" (the traffic counters are zero until usage is
// tracked fleet-wide).
std::string UserInfoHeader(const UserView& u);

// A share link's parts, for the Clash proxy; nullopt for schemes it does not map.
struct ParsedLink {
  std::string scheme, name, id, host, network, security, sni, path, ws_host, flow, fingerprint, public_key, short_id;
  int port = 0;
};
std::optional<ParsedLink> ParseShareLink(const std::string& link);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_RENDER_H_
