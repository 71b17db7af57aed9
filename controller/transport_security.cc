#include "controller/transport_security.h"

#include "pkg/common/strings.h"

namespace x3ui::controller {

std::optional<InsecureTransport> InsecureTransportOf(const api::PanelSpec& panel) {
  const std::string url = AsciiLower(panel.url);
  if (url.rfind("http://", 0) == 0) {
    return InsecureTransport{api::kReasonPlainHttp,
                             "spec.panel.url is plain http://: the panel's credentials and session cookie cross the "
                             "network unencrypted"};
  }
  if (url.rfind("https://", 0) == 0 && panel.insecure_skip_tls_verify) {
    return InsecureTransport{api::kReasonTlsVerifyDisabled,
                             "spec.panel.insecureSkipTLSVerify is set: the panel's certificate is not checked, so "
                             "anyone on the network path can pose as the panel and receive its credentials"};
  }
  return std::nullopt;
}

}  // namespace x3ui::controller
