#include "controller/assignment/panel_access.h"

#include "controller/panel_endpoint.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

bool NodeGone(const Status& s) { return s.code() == Status::Code::kNotFound && s.reason() == api::kReasonNodeUnavailable; }

Result<kube::Json> PanelAccess::ReadNode(const std::string& ns, const std::string& name) const {
  return ReadThrough(cached_node_, *kube_, kube::kVpnNodes, ns, name);
}

Result<OpenedPanel> PanelAccess::Open(const std::string& ns, const std::string& node_name, bool any_listing) const {
  Result<kube::Json> got = ReadNode(ns, node_name);
  if (!got.ok()) return got.status().WithContext("reading VpnNode " + node_name).WithReason(api::kReasonNodeUnavailable);
  Result<api::VpnNode> node = api::DecodeVpnNode(*got);
  if (!node.ok()) return node.status().WithReason(api::kReasonNodeUnavailable);
  std::shared_ptr<panel::PanelSession> session = panels_->Find(kube::ObjectKey{ns, node_name}.String());
  if (!session) {
    std::string reason;
    auto endpoint = PanelEndpointFor(*kube_, *node, options_.panel_timeout, options_.panel_hosts, &reason);
    if (!endpoint.ok()) return endpoint.status().WithContext("node " + node_name).WithReason(reason);
    auto opened = panels_->Get(kube::ObjectKey{ns, node_name}.String(), *endpoint);
    if (!opened.ok()) return opened.status().WithReason(api::kReasonPanelUnavailable);
    session = std::move(opened).value();
  }
  Result<panel::PanelSession::Listing> inbounds = Listing(*session, any_listing);
  if (!inbounds.ok()) return inbounds.status();
  return OpenedPanel{std::move(node).value(), std::move(session), std::move(inbounds).value()};
}

Result<panel::PanelSession::Listing> PanelAccess::Listing(panel::PanelSession& session, bool any_age) const {
  if (panel::PanelSession::Listing last = any_age ? session.LastListing() : nullptr) return last;
  Result<panel::PanelSession::Listing> inbounds = session.SharedListing(options_.listing_max_age);
  if (!inbounds.ok()) return inbounds.status().WithContext("listing inbounds").WithReason(api::kReasonPanelUnavailable);
  return inbounds;
}

}  // namespace x3ui::controller
