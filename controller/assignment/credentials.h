// File: controller/assignment/credentials.h
//
// CredentialsSecrets: a user's credentials Secret, `<assignment>-vpn`, owned by its VpnAssignment:
// the UUID, password and subId, created once and kept across every move, and the share links
// and subscription body, rewritten when they change. A new user's Secret is returned unsaved by
// Ensure and created by WriteLinks, with the links, once the panel holds the client: one write
// per new user, and no Secret for a user that never reached a panel.
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
  CredentialsSecrets(kube::KubeClient* kube, std::function<std::string()> new_uuid,
                     std::function<std::string(size_t)> new_token)
      : kube_(kube), new_uuid_(std::move(new_uuid)), new_token_(std::move(new_token)) {}

  // The user's Secret with its credentials (missing ones filled in and saved); a new user's is
  // returned unsaved (no resourceVersion). A Secret of that name not owned by the assignment is
  // an error with reason SecretConflict.
  Result<kube::Json> Ensure(const api::VpnAssignment& a) const;
  // Writes the share links into the Secret: creates it when unsaved, updates it when they
  // changed; returns the Secret as saved.
  Result<kube::Json> WriteLinks(kube::Json secret, const std::vector<std::string>& links) const;

 private:
  kube::KubeClient* kube_;
  std::function<std::string()> new_uuid_;
  std::function<std::string(size_t)> new_token_;
};

// The credentials Secret's name: "<name>-vpn".
std::string CredentialsSecretName(const std::string& assignment);
// The keys a user's clients carry, as the Secret holds them (empty where it holds none).
UserKeys KeysOf(const kube::Json& secret);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_CREDENTIALS_H_
