// File: controller/assignment/credentials.h
//
// CredentialsSecrets: a user's credentials Secret, `<assignment>-vpn`, owned by its VpnAssignment:
// the UUID, password and subId, created once and kept across every move. It holds nothing that
// depends on the node: the subscription server builds the links from the node's published
// endpoints, so a move writes no Secret. (An older operator also wrote `links` and
// `subscription`; a move drops them, as they would name the old node, and the subscription
// server reads them only for a node that publishes no endpoints.) A new user's Secret is
// returned unsaved by Ensure and created by Save before the panel gets the client: one write
// per new user.
//
// The Secret also carries the user's subscription token (`subscriptionToken`, what the
// `x3ui-operator subscriptions` server looks the user up by) and URL (`subscriptionUrl`, from
// --subscription-base-url), and the label `x3ui.io/user-credentials: "true"` the server selects
// Secrets by. The token is a secret: it is never logged, put in a status, an Event or a metric.
// Setting the VpnAssignment's annotation `x3ui.io/rotate-subscription-token` to a new value
// replaces the token (the old one stops working at once); the value handled is recorded on the
// Secret (`x3ui.io/subscription-token-rotated`) so a rotation happens once.
//
// Thread-safety: const methods, safe from any thread as far as the KubeClient and the two
// generators are.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_CREDENTIALS_H_
#define X3UI_CONTROLLER_ASSIGNMENT_CREDENTIALS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "controller/owned_clients.h"
#include "pkg/api/types.h"
#include "pkg/common/status.h"
#include "pkg/kube/client.h"

namespace x3ui::controller {

class CredentialsSecrets {
 public:
  // `kube` is borrowed and must outlive this. `new_uuid` and `new_token(n)` make fresh secrets.
  // `subscription_base_url` is --subscription-base-url, ending in "/" (empty: no URL).
  CredentialsSecrets(kube::KubeClient* kube, std::function<std::string()> new_uuid,
                     std::function<std::string(size_t)> new_token, std::string subscription_base_url = "")
      : kube_(kube),
        new_uuid_(std::move(new_uuid)),
        new_token_(std::move(new_token)),
        subscription_base_url_(std::move(subscription_base_url)) {}

  // The user's Secret with its credentials (missing ones filled in and saved); a new user's is
  // returned unsaved (no resourceVersion). A Secret of that name not owned by the assignment is
  // an error with reason SecretConflict.
  Result<kube::Json> Ensure(const api::VpnAssignment& a) const;
  // Creates the Secret when unsaved; with `drop_old_links` (a move), removes an older operator's
  // `links` and `subscription`, if any. Returns the Secret as saved; writes nothing otherwise.
  Result<kube::Json> Save(kube::Json secret, bool drop_old_links) const;

 private:
  kube::KubeClient* kube_;
  std::function<std::string()> new_uuid_;
  std::function<std::string(size_t)> new_token_;
  std::string subscription_base_url_;
};

inline constexpr char kUserCredentialsLabel[] = "x3ui.io/user-credentials";
inline constexpr char kRotateSubscriptionTokenAnnotation[] = "x3ui.io/rotate-subscription-token";
inline constexpr char kSubscriptionTokenRotatedAnnotation[] = "x3ui.io/subscription-token-rotated";
// Characters of a subscription token: from RandomToken's A-Z a-z 0-9 (a subset of URL-safe
// base64, no padding), 32 of them: about 190 random bits (at least 128 are required).
inline constexpr size_t kSubscriptionTokenLength = 32;

// Brings `secret`'s subscription fields in line: a token when it has none or a rotation was
// asked for that it has not handled, the URL for `base_url` (none when empty), and the label.
// True when the data or the rotation record changed (worth a write); the label alone is not:
// an existing Secret gets it on its next write, with no extra write for an idle user.
[[nodiscard]] bool ApplySubscriptionFields(kube::Json& secret, const api::VpnAssignment& a, const std::string& base_url,
                                           const std::function<std::string(size_t)>& new_token);

// The credentials Secret's name: "<name>-vpn".
std::string CredentialsSecretName(const std::string& assignment);
// The keys a user's clients carry, as the Secret holds them (empty where it holds none).
UserKeys KeysOf(const kube::Json& secret);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_CREDENTIALS_H_
