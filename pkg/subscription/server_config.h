// File: pkg/subscription/server_config.h
//
// What the subscription server is told at start (its flags, see
// controller/subscriptions_options.h), apart from the server so that parsing flags needs no
// server code.
//
// Thread-safety: plain value.
#ifndef X3UI_PKG_SUBSCRIPTION_SERVER_CONFIG_H_
#define X3UI_PKG_SUBSCRIPTION_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "pkg/subscription/client_ip.h"
#include "pkg/subscription/render.h"

namespace x3ui::subscription {

struct ServerConfig {
  std::string listen_address = ":8090";                 // /sub/..., /healthz, /readyz
  std::string metrics_bind_address = "127.0.0.1:8083";  // /metrics ("0": off)
  std::vector<std::string> namespaces;                  // served (empty: every namespace)
  // TLS on listen_address from these PEM files (a mounted kubernetes.io/tls Secret), renewals
  // picked up without a restart; both empty: plain HTTP (behind a TLS-terminating Ingress).
  std::string tls_cert_file, tls_key_file;
  double rate_per_second = 1;                           // per client IP
  double rate_burst = 20;
  // Connections from these addresses are proxies whose X-Forwarded-For names the client (see
  // client_ip.h); null: none is.
  TrustedProxy is_trusted_proxy;
  RenderOptions render;
};

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_SERVER_CONFIG_H_
