// File: controller/panel_endpoint.h
//
// How to reach a VpnNode's panel: its URL, the credentials from the Secret it names, its CA
// bundle, TLS settings and timeout. Shared by the reconcilers so that they use one session per
// panel from the pool.
#ifndef X3UI_CONTROLLER_PANEL_ENDPOINT_H_
#define X3UI_CONTROLLER_PANEL_ENDPOINT_H_

#include <chrono>
#include <string>

#include "pkg/api/types.h"
#include "pkg/kube/client.h"
#include "pkg/x3ui/session_pool.h"

namespace x3ui::controller {

// On failure `*reason` is a condition reason (CredentialsMissing, CredentialsForbidden, CredentialsInvalid,
// CaBundleMissing) and the error's message says what to fix; it never holds a secret value.
Result<panel::PanelEndpoint> PanelEndpointFor(kube::KubeClient& kube, const api::VpnNode& node,
                                              std::chrono::milliseconds default_timeout, std::string* reason);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_PANEL_ENDPOINT_H_
