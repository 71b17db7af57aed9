#include "controller/node/endpoints.h"

#include "controller/owned_clients.h"
#include "pkg/api/validation.h"
#include "pkg/x3ui/links.h"

namespace x3ui::controller {

std::vector<api::InboundEndpoint> PublishedEndpoints(const api::VpnNodeSpec& spec,
                                                     const std::vector<panel::Inbound>& on_panel) {
  std::vector<api::InboundEndpoint> out;
  for (const api::InboundRef& ref : spec.inbounds) {
    const panel::Inbound* inbound = FindInbound(on_panel, ref);
    if (!inbound) continue;
    Result<api::InboundEndpoint> e = panel::EndpointOf(*inbound, spec.public_host);
    if (!e.ok()) continue;
    e->name = ref.name;
    if (api::EndpointFitsStatus(*e)) out.push_back(*std::move(e));
  }
  return out;
}

}  // namespace x3ui::controller
