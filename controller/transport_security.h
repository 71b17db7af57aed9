// File: controller/transport_security.h
//
// Whether a VpnNode's panel is reached over a transport that someone on the network path can
// read or impersonate: plain http:// (the credentials and the session cookie cross the network
// in clear) or https:// with spec.panel.insecureSkipTLSVerify (the certificate is not checked,
// so anyone on the path can pose as the panel and receive its credentials). One rule for the
// InsecureTransport condition and for --refuse-insecure-panels.
//
// Thread-safety: pure.
#ifndef X3UI_CONTROLLER_TRANSPORT_SECURITY_H_
#define X3UI_CONTROLLER_TRANSPORT_SECURITY_H_

#include <optional>
#include <string>

#include "pkg/api/reasons.h"
#include "pkg/api/types.h"

namespace x3ui::controller {


struct InsecureTransport {
  const char* reason;   // api::kReasonPlainHttp or api::kReasonTlsVerifyDisabled
  std::string message;  // names the spec field, never the URL's path
};

// Why the transport to `panel` is insecure, or nullopt when it is https:// with the certificate
// verified. A URL that is neither http:// nor https:// is left to spec validation (nullopt).
std::optional<InsecureTransport> InsecureTransportOf(const api::PanelSpec& panel);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_TRANSPORT_SECURITY_H_
