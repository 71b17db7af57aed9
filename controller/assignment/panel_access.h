// File: controller/assignment/panel_access.h
//
// PanelAccess: opens the panel of a user's node for the assignment controller. The session is
// the one the node prober keeps (shared through the session pool, up to date with the node's spec
// and Secrets); a node the prober has not opened yet is opened here, reading its Secrets once.
// The inbound listing is the session's shared one, at most `listing_max_age` old.
//
// Thread-safety: const methods, safe from any thread (the pool and sessions lock themselves).
#ifndef X3UI_CONTROLLER_ASSIGNMENT_PANEL_ACCESS_H_
#define X3UI_CONTROLLER_ASSIGNMENT_PANEL_ACCESS_H_

#include <chrono>
#include <memory>
#include <string>

#include "controller/cached_read.h"
#include "controller/panel_host_policy.h"
#include "pkg/api/types.h"
#include "pkg/common/status.h"
#include "pkg/kube/client.h"
#include "pkg/x3ui/session_pool.h"

namespace x3ui::controller {

// A node's panel, opened: its VpnNode, the shared session and the inbounds as listed now.
struct OpenedPanel {
  api::VpnNode node;
  std::shared_ptr<panel::PanelSession> session;
  panel::PanelSession::Listing inbounds;  // shared with the session's kept listing
};

class PanelAccess {
 public:
  struct Options {
    std::chrono::milliseconds panel_timeout{10000};
    std::chrono::milliseconds listing_max_age{10000};
    PanelHostPolicy panel_hosts;  // --panel-host-allow/--panel-host-deny
  };
  // Borrows `kube` and `panels`, which must outlive this.
  PanelAccess(kube::KubeClient* kube, panel::PanelSessionPool* panels, CacheLookup cached_node, Options options)
      : kube_(kube), panels_(panels), cached_node_(std::move(cached_node)), options_(options) {}

  Result<kube::Json> ReadNode(const std::string& ns, const std::string& name) const;
  // Errors carry a condition reason: NodeUnavailable (code NotFound when the VpnNode is gone),
  // CredentialsMissing/CredentialsInvalid/CaBundleMissing, or PanelUnavailable.
  // `any_listing`: the session's last listing will do, however old.
  Result<OpenedPanel> Open(const std::string& ns, const std::string& node_name, bool any_listing = false) const;
  // The panel's inbounds as the session keeps them (`any_age`: its last listing, however old,
  // when there is one); errors carry the reason PanelUnavailable.
  Result<panel::PanelSession::Listing> Listing(panel::PanelSession& session, bool any_age) const;

 private:
  kube::KubeClient* kube_;
  panel::PanelSessionPool* panels_;
  CacheLookup cached_node_;
  Options options_;
};

// True when an Open error means the VpnNode itself is gone: nothing is left to clean there.
bool NodeGone(const Status& s);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_PANEL_ACCESS_H_
