// File: pkg/subscription/share_link.h
//
// Share links (vless://, trojan://, and v2rayN's vmess://<base64 JSON>) parsed back into their
// parts, so that the structured formats (Clash, sing-box, Xray) describe the same servers as the
// base64 list of links does.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_SHARE_LINK_H_
#define X3UI_PKG_SUBSCRIPTION_SHARE_LINK_H_

#include <optional>
#include <string>
#include <vector>

namespace x3ui::subscription {

// A share link's parts. `id` is the UUID (vless, vmess) or the password (trojan); `network` is
// tcp, ws or grpc ("" when the link does not say: tcp); `security` none, tls or reality.
struct ParsedLink {
  std::string scheme, name, id, host, network, security, sni, path, ws_host, flow, fingerprint, public_key, short_id;
  std::string service_name;  // gRPC
  int port = 0;
  int alter_id = 0;  // vmess only
};

// nullopt for a scheme none of the formats maps, or a link that is not well formed.
std::optional<ParsedLink> ParseShareLink(const std::string& link);

// The links that parse, in order, each name made unique (" 2", " 3", … after a repeat), because
// every structured format refers to its proxies by name.
std::vector<ParsedLink> ParseShareLinks(const std::vector<std::string>& links);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_SHARE_LINK_H_
