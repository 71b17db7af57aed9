#include "controller/panel_endpoint.h"

#include "pkg/x3ui/credentials.h"

namespace x3ui::controller {

Result<panel::PanelEndpoint> PanelEndpointFor(kube::KubeClient& kube, const api::VpnNode& node,
                                              std::chrono::milliseconds default_timeout, std::string* reason) {
  const std::string& ns = node.metadata.namespace_;
  const api::PanelSpec& p = node.spec.panel;
  Result<kube::Json> secret = kube.Get(kube::kSecrets, ns, p.credentials_secret_ref.name);
  if (!secret.ok()) {
    *reason = secret.status().code() == Status::Code::kPermissionDenied ? "CredentialsForbidden" : "CredentialsMissing";
    if (secret.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("Secret " + ns + "/" + p.credentials_secret_ref.name + " (spec.panel.credentialsSecretRef) not found");
    }
    return secret.status();
  }
  Result<panel::PanelCredentials> creds = panel::CredentialsFromSecret(*secret);
  if (!creds.ok()) {
    *reason = "CredentialsInvalid";
    return creds.status();
  }
  panel::PanelEndpoint ep;
  ep.panel.url = p.url;
  ep.panel.credentials = *creds;
  ep.transport.timeout = default_timeout;
  if (node.spec.probe) ep.transport.timeout = std::chrono::seconds(node.spec.probe->timeout_seconds);
  ep.transport.insecure_skip_tls_verify = p.insecure_skip_tls_verify;
  if (p.ca_secret_ref) {
    Result<kube::Json> ca_secret = kube.Get(kube::kSecrets, ns, p.ca_secret_ref->name);
    Result<std::string> ca = ca_secret.ok() ? panel::CaBundleFromSecret(*ca_secret, p.ca_secret_ref->key)
                                            : Result<std::string>(ca_secret.status());
    if (!ca.ok()) {
      *reason = "CaBundleMissing";
      return ca.status();
    }
    ep.transport.ca_pem = *ca;
  }
  return ep;
}

}  // namespace x3ui::controller
