#include "controller/assignment/credentials.h"

#include "pkg/api/reasons.h"
#include "pkg/common/base64.h"

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

std::string AnnotationOf(const kube::Json& obj, const char* key) {
  if (!obj.contains("metadata") || !obj["metadata"].contains("annotations")) return "";
  const kube::Json& ann = obj["metadata"]["annotations"];
  return ann.is_object() && ann.contains(key) && ann[key].is_string() ? ann[key].get<std::string>() : "";
}

std::string RotationAsked(const api::VpnAssignment& a) {
  auto it = a.metadata.annotations.find(kRotateSubscriptionTokenAnnotation);
  return it == a.metadata.annotations.end() ? "" : it->second;
}

}  // namespace

bool ApplySubscriptionFields(kube::Json& secret, const api::VpnAssignment& a, const std::string& base_url,
                             const std::function<std::string(size_t)>& new_token) {
  bool changed = false;
  kube::Json& meta = secret["metadata"];
  if (!meta.contains("labels") || !meta["labels"].is_object()) meta["labels"] = kube::Json::object();
  meta["labels"][kUserCredentialsLabel] = "true";
  if (!secret.contains("data") || !secret["data"].is_object()) secret["data"] = kube::Json::object();
  kube::Json& data = secret["data"];

  std::string token = SecretValue(secret, "subscriptionToken");
  const std::string asked = RotationAsked(a);
  const bool rotate = !asked.empty() && asked != AnnotationOf(secret, kSubscriptionTokenRotatedAnnotation);
  if (token.empty() || rotate) {
    token = new_token(kSubscriptionTokenLength);
    data["subscriptionToken"] = Base64Encode(token);
    changed = true;
  }
  if (rotate) {
    if (!meta.contains("annotations") || !meta["annotations"].is_object()) meta["annotations"] = kube::Json::object();
    meta["annotations"][kSubscriptionTokenRotatedAnnotation] = asked;
  }
  if (base_url.empty()) {
    changed = data.erase("subscriptionUrl") > 0 || changed;
  } else if (SecretValue(secret, "subscriptionUrl") != base_url + token) {
    data["subscriptionUrl"] = Base64Encode(base_url + token);
    changed = true;
  }
  return changed;
}

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
    const bool subscription_changed = ApplySubscriptionFields(*got, a, subscription_base_url_, new_token_);
    if (!SecretValue(*got, "uuid").empty() && !SecretValue(*got, "password").empty() &&
        !SecretValue(*got, "subId").empty()) {
      // Written only when a token was added or rotated or the URL changed.
      return subscription_changed ? kube_->Update(kube::kSecrets, ns, *got) : got;
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
  if (!got.ok()) (void)ApplySubscriptionFields(secret, a, subscription_base_url_, new_token_);
  // A new Secret is created by Save when its client goes to the panel (before a batched add, so
  // that the credentials the panel gets are the ones kept): one write per new user, and no
  // Secret for a user that never got a node.
  return got.ok() ? kube_->Update(kube::kSecrets, ns, secret) : Result<kube::Json>(secret);
}

Result<kube::Json> CredentialsSecrets::Save(kube::Json secret, bool drop_old_links) const {
  const std::string ns = secret["metadata"].value("namespace", "");
  if (!secret["metadata"].contains("resourceVersion")) return kube_->Create(kube::kSecrets, ns, secret);
  if (!drop_old_links) return secret;
  const bool dropped = secret["data"].erase("links") + secret["data"].erase("subscription") > 0;
  return dropped ? kube_->Update(kube::kSecrets, ns, secret) : Result<kube::Json>(secret);
}

}  // namespace x3ui::controller
