// File: pkg/kube/config.h
//
// RestConfig: how to reach and authenticate to a kube-apiserver, from a kubeconfig file (token,
// client certificate, CA, current context, namespace) or from inside a Pod (the service-account
// token and CA files, KUBERNETES_SERVICE_HOST/PORT). The token file is re-read on use, as
// projected service-account tokens rotate.
//
// Thread-safety: plain values.
#ifndef X3UI_PKG_KUBE_CONFIG_H_
#define X3UI_PKG_KUBE_CONFIG_H_

#include <chrono>
#include <string>

#include "pkg/common/status.h"

namespace x3ui::kube {

struct RestConfig {
  std::string server;            // https://host:port
  std::string token;             // bearer token, or
  std::string token_file;        // a file holding it (read on every request)
  std::string ca_pem;            // trusted CA bundle; empty = system roots
  std::string client_cert_pem;   // client certificate authentication
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::string namespace_;        // the context's namespace (or the Pod's), "default" if none
  double qps = 20;
  int burst = 30;
  std::chrono::seconds timeout{30};
};

// Reads `path` and uses `context` (empty: current-context). Relative file paths in the
// kubeconfig are resolved against its directory. Errors name the file and the missing piece.
Result<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

// The in-cluster configuration. `root` holds token, ca.crt and namespace (the default is where
// Kubernetes mounts them); KUBERNETES_SERVICE_HOST and _PORT must be set.
Result<RestConfig> InClusterConfig(const std::string& root = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_CONFIG_H_
