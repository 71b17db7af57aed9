// File: pkg/x3ui/tls_trust.h
//
// The certificate authorities a panel connection trusts. A VpnNode that names a CA bundle pins
// it: the bundle replaces the system roots, so a certificate that some other (public or
// corporate) CA issued for the panel's host is refused. Without a bundle the system roots are
// used.
//
// Thread-safety: pure functions; TrustOnly touches only the context it is given.
#ifndef X3UI_PKG_X3UI_TLS_TRUST_H_
#define X3UI_PKG_X3UI_TLS_TRUST_H_

#include <string>

#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/ssl/context.hpp>

#include "pkg/common/status.h"

namespace x3ui::panel {

// Ok when `pem` holds at least one PEM certificate and nothing that fails to parse.
// InvalidArgument (reason CaInvalid) otherwise; the message never quotes the bundle.
[[nodiscard]] Status CheckCaBundle(const std::string& pem);

// Makes the certificates of `pem` the only ones `ctx` trusts (the system roots that the context
// may have loaded are dropped). `pem` must have passed CheckCaBundle; a bundle that does not
// parse leaves `ctx` trusting nothing, so that it fails closed.
void TrustOnly(boost::asio::ssl::context& ctx, const std::string& pem);

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_TLS_TRUST_H_
