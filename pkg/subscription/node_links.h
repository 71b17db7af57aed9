// File: pkg/subscription/node_links.h
//
// A user's share links on one node, built from the endpoints the operator publishes in the
// VpnNode's status.inbounds and the user's keys from the credentials Secret: the links follow the
// user's status.nodeName, with no Secret written when the user moves.
//
// Thread-safety: pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_NODE_LINKS_H_
#define X3UI_PKG_SUBSCRIPTION_NODE_LINKS_H_

#include <string>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/x3ui/owned_identity.h"

namespace x3ui::subscription {

// One link per endpoint the user wants (`wanted`: the assignment's spec.inbounds; empty: all), in
// the node's order. An endpoint a link cannot be built for is left out.
std::vector<std::string> LinksOn(const std::string& ns, const std::string& name, const std::vector<std::string>& wanted,
                                 const std::vector<api::InboundEndpoint>& endpoints, const panel::UserKeys& keys);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_NODE_LINKS_H_
