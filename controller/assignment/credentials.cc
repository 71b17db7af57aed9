#include "controller/assignment/credentials.h"

#include "pkg/api/reasons.h"
#include "pkg/common/base64.h"
#include "pkg/x3ui/links.h"

namespace x3ui::controller {
namespace {

std::string SecretValue(const kube::Json& secret, const char* key) {
  const kube::Json* data = secret.contains("data") ? &secret["data"] : nullptr;
  if (!data || !data->is_object() || !data->contains(key) || !(*data)[key].is_string()) return "";
  return Base64Decode((*data)[key].get<std::string>()).value_or("");
}

bool OwnedBy(const kube::Json& obj, const std::string& uid) {
  const auto& meta = obj.value("metadata", kube::Json::object());
  for (const auto& ref : meta.value("ownerReferences", kube::Json::array())) {
    if (ref.value("uid", "") == uid) return true;
  }
  return false;
}

}  // namespace

std::string CredentialsSecretName(const std::string& assignment) { return assignment + "-vpn"; }

UserKeys KeysOf(const kube::Json& secret) {
  return {SecretValue(secret, "uuid"), SecretValue(secret, "password"), SecretValue(secret, "subId")};
}

Result<kube::Json> CredentialsSecrets::Ensure(const api::VpnAssignment& a) const {
  const std::string& ns = a.metadata.namespace_;
  const std::string secret_name = CredentialsSecretName(a.metadata.name);
  Result<kube::Json> got = kube_->Get(kube::kSecrets, ns, secret_name);
  if (got.ok()) {
    if (!OwnedBy(*got, a.metadata.uid)) {
      return Status::FailedPrecondition("Secret " + secret_name +
                                        " exists and is not owned by this VpnAssignment; delete or rename it so "
                                        "the operator can create it")
          .WithReason(api::kReasonSecretConflict);
    }
    if (!SecretValue(*got, "uuid").empty() && !SecretValue(*got, "password").empty() &&
        !SecretValue(*got, "subId").empty()) {
      return got;
    }
  } else if (got.status().code() != Status::Code::kNotFound) {
    return got.status();
  }
  // A new user (or a Secret someone emptied): fresh credentials, kept from now on.
  kube::Json secret = got.ok() ? *got
                               : kube::Json{{"apiVersion", "v1"},
                                            {"kind", "Secret"},
                                            {"type", "Opaque"},
                                            {"metadata",
                                             {{"name", secret_name},
                                              {"namespace", ns},
                                              {"labels", {{"app.kubernetes.io/managed-by", "x3ui-operator"}}},
                                              {"ownerReferences",
                                               {{{"apiVersion", "x3ui.io/v1alpha1"},
                                                 {"kind", api::kVpnAssignmentKind},
                                                 {"name", a.metadata.name},
                                                 {"uid", a.metadata.uid},
                                                 {"controller", true},
                                                 {"blockOwnerDeletion", true}}}}}}};
  if (!secret.contains("data") || !secret["data"].is_object()) secret["data"] = kube::Json::object();
  if (SecretValue(secret, "uuid").empty()) secret["data"]["uuid"] = Base64Encode(new_uuid_());
  if (SecretValue(secret, "password").empty()) secret["data"]["password"] = Base64Encode(new_token_(24));
  if (SecretValue(secret, "subId").empty()) secret["data"]["subId"] = Base64Encode(new_token_(16));
  // A new Secret is created by WriteLinks, with the links, once the panel holds the client: one
  // write per new user instead of two, and no Secret for a user that never reached a panel.
  return got.ok() ? kube_->Update(kube::kSecrets, ns, secret) : Result<kube::Json>(secret);
}

Result<kube::Json> CredentialsSecrets::WriteLinks(kube::Json secret, const std::vector<std::string>& links) const {
  std::string joined;
  for (const auto& l : links) joined += l + "\n";
  const std::string links_b64 = Base64Encode(joined);
  const std::string sub_b64 = Base64Encode(panel::SubscriptionBody(links));
  if (secret["data"].value("links", "") == links_b64 && secret["data"].value("subscription", "") == sub_b64) {
    return secret;
  }
  secret["data"]["links"] = links_b64;
  secret["data"]["subscription"] = sub_b64;
  const std::string ns = secret["metadata"].value("namespace", "");
  if (!secret["metadata"].contains("resourceVersion")) return kube_->Create(kube::kSecrets, ns, secret);
  return kube_->Update(kube::kSecrets, ns, secret);
}

}  // namespace x3ui::controller
