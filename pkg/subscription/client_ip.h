// File: pkg/subscription/client_ip.h
//
// The address a request's rate limit is kept for. Behind an Ingress every connection comes from
// the Ingress's pods, so one bucket would serve every user; the Ingress names the client in
// X-Forwarded-For, which anyone can also write. So the header is read only when the connection
// comes from a trusted proxy (--trusted-proxies), and from its right end: each trusted hop is
// skipped, and the first address not trusted is the client (what a client wrote to the left of
// it is not believed). Without trusted proxies the connection's address is the client.
//
// Thread-safety: pure function (as far as `trusted` is).
#ifndef X3UI_PKG_SUBSCRIPTION_CLIENT_IP_H_
#define X3UI_PKG_SUBSCRIPTION_CLIENT_IP_H_

#include <functional>
#include <string>

#include "pkg/http/http_server.h"

namespace x3ui::subscription {

// True for the address of a proxy whose X-Forwarded-For is believed.
using TrustedProxy = std::function<bool(const std::string& ip)>;

std::string ClientIp(const http::Request& r, const TrustedProxy& trusted);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_CLIENT_IP_H_
