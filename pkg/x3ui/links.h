// File: pkg/x3ui/links.h
//
// Share links (vless://, vmess://, trojan://, ss://) for one client of one inbound, built the way
// the panel's subscription service builds them (x3ui-api.md §8), addressed to the node's public
// host. A link is built in two halves: the inbound's endpoint (everything but the client's keys
// and name, which the operator publishes in the VpnNode's status) and the client. Where the panel picks at random (a REALITY serverName and shortId, the spiderX suffix)
// these take the first configured value, so a link is the same on every reconcile and the
// credentials Secret is not rewritten for nothing.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_X3UI_LINKS_H_
#define X3UI_PKG_X3UI_LINKS_H_

#include <string>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/common/status.h"
#include "pkg/x3ui/model.h"

namespace x3ui::panel {

// How a client dials `inbound`; `host` is the address unless the inbound listens on a specific
// IP. The endpoint's name is left for the caller. InvalidArgument for protocols without links
// (http, mixed, wireguard, ...) and for a Shadowsocks-2022 inbound, whose links carry its server
// key: a credential, which is not published.
Result<api::InboundEndpoint> EndpointOf(const Inbound& inbound, const std::string& host);
// The link for `client` on `endpoint`.
Result<std::string> ShareLink(const api::InboundEndpoint& endpoint, const Client& client);
// The link for `client` on `inbound` (a Shadowsocks-2022 one included).
Result<std::string> ShareLink(const Inbound& inbound, const Client& client, const std::string& host);

std::string Base64(const std::string& s);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_LINKS_H_
