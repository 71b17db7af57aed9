// File: controller/node/endpoints.h
//
// The VpnNode's status.inbounds: how a client dials each inbound of the spec, read from the
// panel's listing on each probe, for the subscription server to build the users' links from (a
// move then changes nothing but the user's status). Written only when the panel's inbounds change.
//
// Thread-safety: pure.
#ifndef X3UI_CONTROLLER_NODE_ENDPOINTS_H_
#define X3UI_CONTROLLER_NODE_ENDPOINTS_H_

#include <vector>

#include "pkg/api/types.h"
#include "pkg/x3ui/model.h"

namespace x3ui::controller {

// The endpoints of the spec's inbounds that the panel holds, in spec order, each named as the
// spec names it. An inbound without share links (or a Shadowsocks-2022 one), or one whose panel
// text is beyond the status schema's bounds, is left out.
std::vector<api::InboundEndpoint> PublishedEndpoints(const api::VpnNodeSpec& spec,
                                                     const std::vector<panel::Inbound>& on_panel);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_ENDPOINTS_H_
