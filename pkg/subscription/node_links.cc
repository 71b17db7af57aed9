#include "pkg/subscription/node_links.h"

#include <algorithm>

#include "pkg/x3ui/links.h"

namespace x3ui::subscription {

std::vector<std::string> LinksOn(const std::string& ns, const std::string& name, const std::vector<std::string>& wanted,
                                 const std::vector<api::InboundEndpoint>& endpoints, const panel::UserKeys& keys) {
  std::vector<std::string> out;
  for (const api::InboundEndpoint& e : endpoints) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), e.name) == wanted.end()) continue;
    const panel::Client c = panel::OwnedClientIdentity(ns, name, e.name, e.protocol, keys);
    if (Result<std::string> link = panel::ShareLink(e, c); link.ok()) out.push_back(*std::move(link));
  }
  return out;
}

}  // namespace x3ui::subscription
