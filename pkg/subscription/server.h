// File: pkg/subscription/server.h
//
// The `x3ui-operator subscriptions` process: a Catalog of informer caches, the request handler
// behind pkg/http's HttpServer, and its metrics. The HTTP server is the operator's own
// (Boost.Beast, the one behind /metrics and the probes) rather than cpprestsdk's http_listener
// or civetweb: it already enforces what a public endpoint needs (a head-size limit, 431; a
// per-request head deadline; a connection cap; handlers on a pool of their own) and its limits
// are ours to set. Plain HTTP: TLS is terminated by the Ingress in front of it.
//
// Ownership: owns the catalog, the servers and the metrics; borrows the KubeClient.
// Thread-safety: Start/Stop from one thread; requests are served concurrently.
#ifndef X3UI_PKG_SUBSCRIPTION_SERVER_H_
#define X3UI_PKG_SUBSCRIPTION_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/kube/client.h"
#include "pkg/subscription/server_config.h"

namespace x3ui::subscription {

class Server {
 public:
  Server(kube::KubeClient* kube, ServerConfig config);
  ~Server();
  [[nodiscard]] Status Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_SERVER_H_
