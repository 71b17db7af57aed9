// File: controller/assignment/client_sync.h
//
// The panel side of one user: make the panel of its node hold exactly the owned client the
// spec describes on each wanted inbound (add what is missing, rewrite what is stale by the one
// staleness rule of owned_clients.h); or remove the user's clients from a node. (The users'
// links are built by the subscription server from the node's published endpoints.) Each client's expected keys are recorded for the prober's drift diff.
//
// Thread-safety: free functions; safe from any thread for different users.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_CLIENT_SYNC_H_
#define X3UI_CONTROLLER_ASSIGNMENT_CLIENT_SYNC_H_

#include <memory>
#include <string>
#include <vector>

#include "controller/assignment/panel_access.h"
#include "controller/expected_keys.h"
#include "controller/owned_clients.h"
#include "pkg/api/types.h"
#include "pkg/x3ui/add_batcher.h"

namespace x3ui::controller {

// What syncing the panel came to: Synced=True, or the reason and message for Synced=False.
struct SyncOutcome {
  bool synced = false;
  std::string reason;
  std::string message;
  int repaired = 0;  // clients added or rewritten on this pass
  // With `defer_adds`, the missing clients are not added but handed back, with the session of
  // their panel, for the batcher to send with other users'.
  std::vector<panel::AddBatcher::ClientAdd> deferred;
  std::shared_ptr<panel::PanelSession> session;
};

struct SyncRequest {
  const api::VpnAssignment* assignment = nullptr;
  std::string node_name;
  UserKeys keys;            // from the user's credentials Secret
  bool defer_adds = false;  // hand missing clients back instead of adding them
  // The panel's last listing, however old, will do when it shows none of the user's clients
  // (a new user, a move's target): a listing may say a client is missing (the add is
  // verified), never that it is there.
  bool stale_ok = false;
};

SyncOutcome SyncClients(const PanelAccess& panels, ExpectedKeys* expected_keys, const SyncRequest& request);

// Deletes the owned clients of assignment `ns/name` from `node`'s panel; OK when the VpnNode
// is gone.
Status RemoveUserClients(const PanelAccess& panels, const std::string& ns, const std::string& name,
                         const std::string& node);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_CLIENT_SYNC_H_
