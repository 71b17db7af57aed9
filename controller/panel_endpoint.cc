#include "controller/panel_endpoint.h"

#include <cpprest/base_uri.h>

#include "pkg/api/reasons.h"
#include "pkg/x3ui/credentials.h"

namespace x3ui::controller {
namespace {

// The URL's host as the panel transport (cpprestsdk) will connect to it; empty when unparsable.
std::string HostOf(const std::string& url) {
  try {
    return web::uri(url).host();
  } catch (const std::exception&) {
    return "";
  }
}

Status CheckHost(const PanelHostPolicy& hosts, const std::string& url) {
  if (hosts.allows_all()) return Status::Ok();
  const std::string host = HostOf(url);
  if (host.empty()) return Status::PermissionDenied("spec.panel.url has no host to check against --panel-host-allow");
  return hosts.Check(host);
}

bool OptedIn(const kube::Json& secret) {
  if (!secret.is_object() || !secret.contains("metadata") || !secret["metadata"].is_object()) return false;
  const kube::Json& meta = secret["metadata"];
  if (!meta.contains("labels") || !meta["labels"].is_object()) return false;
  const kube::Json& labels = meta["labels"];
  return labels.contains(kPanelCredentialsLabel) && labels[kPanelCredentialsLabel] == "true";
}

}  // namespace

Result<panel::PanelEndpoint> PanelEndpointFor(kube::KubeClient& kube, const api::VpnNode& node,
                                              std::chrono::milliseconds default_timeout, const PanelHostPolicy& hosts,
                                              std::string* reason) {
  const std::string& ns = node.metadata.namespace_;
  const api::PanelSpec& p = node.spec.panel;
  if (Status s = CheckHost(hosts, p.url); !s.ok()) {
    *reason = api::kReasonPanelHostRefused;
    return s;
  }
  Result<kube::Json> secret = kube.Get(kube::kSecrets, ns, p.credentials_secret_ref.name);
  if (!secret.ok()) {
    *reason = secret.status().code() == Status::Code::kPermissionDenied ? api::kReasonCredentialsForbidden : api::kReasonCredentialsMissing;
    if (secret.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("Secret " + ns + "/" + p.credentials_secret_ref.name + " (spec.panel.credentialsSecretRef) not found");
    }
    return secret.status();
  }
  if (!OptedIn(*secret)) {
    *reason = api::kReasonCredentialsNotOptedIn;
    const std::string& name = p.credentials_secret_ref.name;
    return Status::PermissionDenied("Secret " + ns + "/" + name + " (spec.panel.credentialsSecretRef) lacks the label " +
                                    kPanelCredentialsLabel + "=true, which lets the operator send its credentials to "
                                    "the panel; add it: kubectl -n " + ns + " label secret " + name + " " +
                                    kPanelCredentialsLabel + "=true");
  }
  Result<panel::PanelCredentials> creds = panel::CredentialsFromSecret(*secret);
  if (!creds.ok()) {
    *reason = api::kReasonCredentialsInvalid;
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
      *reason = api::kReasonCaBundleMissing;
      return ca.status();
    }
    ep.transport.ca_pem = *ca;
  }
  return ep;
}

}  // namespace x3ui::controller
