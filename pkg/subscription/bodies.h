// File: pkg/subscription/bodies.h
//
// The body builders behind Render (render.h), one file each: render_clash.cc, render_xray.cc,
// render_singbox.cc, render_html.cc. Each takes the served links already parsed (share_link.h),
// in node order, so every format lists the same servers in the same order.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_BODIES_H_
#define X3UI_PKG_SUBSCRIPTION_BODIES_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pkg/subscription/share_link.h"
#include "pkg/subscription/user_view.h"

namespace x3ui::subscription {

// The URL the url-test groups probe: an empty 204 reply, what Clash and sing-box apps use.
inline constexpr char kProbeUrl[] = "https://www.gstatic.com/generate_204";

// Pretty-printed JSON and a newline; invalid UTF-8 (a panel's remark can hold any bytes) is
// replaced by U+FFFD instead of throwing.
std::string JsonBody(const nlohmann::json& j);

// Mihomo / Clash Meta YAML: the proxies and a `fallback` group over them.
std::string ClashBody(const std::vector<ParsedLink>& links);
// A JSON array of full Xray client configs, one per link (v2rayN ≥ 6.40 offers each as a server).
std::string XrayBody(const std::vector<ParsedLink>& links);
// One sing-box config: an outbound per link, a `urltest` over them and a `selector` in front.
std::string SingboxBody(const std::vector<ParsedLink>& links);

// A self-contained page for a browser: the user, the limits, each link with its QR code.
std::string HtmlBody(const UserView& u, const Served& s);
// The Content-Security-Policy that page needs: nothing but its own inline stylesheet.
std::string HtmlContentSecurityPolicy();

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_BODIES_H_
