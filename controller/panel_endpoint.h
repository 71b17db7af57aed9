// File: controller/panel_endpoint.h
//
// How to reach a VpnNode's panel: its URL, the credentials from the Secret it names, its CA
// bundle, TLS settings and timeout. Shared by the reconcilers so that they use one session per
// panel from the pool.
//
// Three guards stand before any credential leaves the operator, because whoever may write a
// VpnNode chooses both the URL and the Secret: the panel's host must pass the --panel-host-allow /
// --panel-host-deny policy, with --refuse-insecure-panels its transport must be verified TLS, and
// the credentials Secret must opt in with the label x3ui.io/panel-credentials: "true" (so a
// VpnNode cannot make the operator send some other Secret's username, password or token to a host
// of its choosing).
#ifndef X3UI_CONTROLLER_PANEL_ENDPOINT_H_
#define X3UI_CONTROLLER_PANEL_ENDPOINT_H_

#include <chrono>
#include <string>

#include "controller/panel_host_policy.h"
#include "pkg/api/types.h"
#include "pkg/kube/client.h"
#include "pkg/x3ui/session_pool.h"

namespace x3ui::controller {

// The label a Secret must carry, with the value "true", for its credentials to be sent to a panel.
inline constexpr char kPanelCredentialsLabel[] = "x3ui.io/panel-credentials";

// On failure `*reason` is a condition reason (PanelHostRefused, InsecureTransportRefused,
// CredentialsMissing, CredentialsForbidden, CredentialsNotOptedIn, CredentialsInvalid,
// CaBundleMissing, CaInvalid) and the error's message says what to fix; it never holds a secret
// value or a CA bundle. The host and the transport (with --refuse-insecure-panels: no plain
// http://, no insecureSkipTLSVerify) are checked before any Secret is read. A caSecretRef bundle
// must be PEM certificates; it then replaces the system roots for this panel.
Result<panel::PanelEndpoint> PanelEndpointFor(kube::KubeClient& kube, const api::VpnNode& node,
                                              std::chrono::milliseconds default_timeout, const PanelHostPolicy& hosts,
                                              std::string* reason);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_PANEL_ENDPOINT_H_
