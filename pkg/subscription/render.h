// File: pkg/subscription/render.h
//
// The bodies and headers of a subscription reply, as pure functions of a UserView: `base64`
// (the newline-joined share links, base64-encoded: what most apps read), `info` (JSON for
// scripts), and the formats built from the links parsed back (share_link.h; links of schemes it
// does not map are left out of them): `clash` (Mihomo YAML), `singbox` (sing-box JSON), `xray`
// (an array of Xray JSON configs), and `html` (a page for a browser). See bodies.h.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_RENDER_H_
#define X3UI_PKG_SUBSCRIPTION_RENDER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkg/subscription/format.h"
#include "pkg/subscription/share_link.h"
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

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_RENDER_H_
