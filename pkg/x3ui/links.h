// File: pkg/x3ui/links.h
//
// Share links (vless://, vmess://, trojan://, ss://) for one client of one inbound, built the way
// the panel's subscription service builds them (x3ui-api.md §8), addressed to the node's public
// host. Where the panel picks at random (a REALITY serverName and shortId, the spiderX suffix)
// these take the first configured value, so a link is the same on every reconcile and the
// credentials Secret is not rewritten for nothing.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_X3UI_LINKS_H_
#define X3UI_PKG_X3UI_LINKS_H_

#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/x3ui/model.h"

namespace x3ui::panel {

// The link for `client` on `inbound`. `host` is used unless the inbound listens on a specific IP.
// InvalidArgument for protocols without links (http, mixed, wireguard, ...).
Result<std::string> ShareLink(const Inbound& inbound, const Client& client, const std::string& host);

// A subscription body: one link per line, base64-encoded as a whole (the panel's default).
std::string SubscriptionBody(const std::vector<std::string>& links);

std::string Base64(const std::string& s);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_LINKS_H_
