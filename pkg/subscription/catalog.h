// File: pkg/subscription/catalog.h
//
// The subscription server's read-only view of the fleet: informers on the VpnAssignments, the
// VpnNodes and the users' credentials Secrets (label x3ui.io/user-credentials=true) of each
// served namespace, and the TokenIndex kept by the Secrets' events. Lookup(token) builds the
// UserView a reply is rendered from. It writes nothing and holds no panel credential.
//
// Ownership: owns its informers and index; borrows the KubeClient. Thread-safety: Lookup is
// safe from any thread while the informers run (their caches and the index lock inside).
#ifndef X3UI_PKG_SUBSCRIPTION_CATALOG_H_
#define X3UI_PKG_SUBSCRIPTION_CATALOG_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/kube/client.h"
#include "pkg/kube/informer.h"
#include "pkg/subscription/token_index.h"
#include "pkg/subscription/user_view.h"

namespace x3ui::subscription {

// The user a credentials Secret belongs to ("namespace/assignment", from its controller owner
// reference) and its token; nullopt for a Secret without either.
struct SecretEntry {
  std::string key;
  std::string token;
};
std::optional<SecretEntry> EntryOf(const kube::Json& secret);
// The informers' transforms: each object cached with only the fields ViewOf and EntryOf read
// (memory per user; each request unpacks three objects).
void KeepServedSecretFields(kube::Json* secret);
void KeepServedNodeFields(kube::Json* node);
void KeepServedAssignmentFields(kube::Json* assignment);
// The UserView of an assignment, its node (null when not cached) and its Secret.
UserView ViewOf(const kube::Json& assignment, const kube::Json* node, const kube::Json& secret);

class Catalog {
 public:
  // `namespaces`: the namespaces served (empty: every namespace).
  Catalog(kube::KubeClient* kube, std::vector<std::string> namespaces);
  ~Catalog();

  [[nodiscard]] Status Start(std::chrono::milliseconds sync_timeout);
  void Stop();
  bool Synced() const;
  std::optional<UserView> Lookup(const std::string& token) const;

 private:
  struct Served {
    std::unique_ptr<kube::Informer> assignments, nodes, secrets;
  };
  std::vector<Served> served_;
  TokenIndex index_;
};

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_CATALOG_H_
