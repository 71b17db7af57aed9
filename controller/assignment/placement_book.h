// File: controller/assignment/placement_book.h
//
// PlacementBook: what the controllers share about where users are. Where each assignment is
// counted (the placement counts the policy balances on, and a node's users for its status, its
// drift diff and its deletion); the moves VpnMigrations ask for and what became of them; the new
// users and the moves waiting for a panel's batched add. A placement is decided and counted
// under one lock (Place), so that two users decided at once never both take a node's last slot.
//
// Thread-safety: every method may be called from any thread (one internal mutex, never held
// across a network call: the take_slot callback of Place must not block).
#ifndef X3UI_CONTROLLER_ASSIGNMENT_PLACEMENT_BOOK_H_
#define X3UI_CONTROLLER_ASSIGNMENT_PLACEMENT_BOOK_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/assignment/placement.h"
#include "controller/placement_index.h"
#include "pkg/api/types.h"
#include "pkg/balancer/placement_policy.h"
#include "pkg/common/mutex.h"

namespace x3ui::controller {

// A VpnMigration's request to move one user to `target`, and what became of it.
struct MoveRequest {
  enum class State { kPending, kDone, kFailed };
  std::string target;
  State state = State::kPending;
  std::string message;  // why it failed
};

// A move waiting for the batcher to add its clients on the target, journaled as planned and
// holding its budget slot.
struct MoveInFlight {
  std::string move_id;
  std::string source;
  std::string target;
  std::string reason;
  kube::Json secret;  // the user's Secret as read for the move
};

class PlacementBook {
 public:
  // The informer says assignment `key` is placed on node `node_key` ("ns/node").
  void Observe(const std::string& key, const std::string& node_key);
  // Users counted on node `node_key`, including placements not yet seen back from the informer.
  int64_t UsersOn(const std::string& node_key) const;
  // The names of the assignments counted on `node_key`.
  std::vector<std::string> PlacedOn(const std::string& node_key) const;
  // The assignment is gone: forgets it; true when it had a move in flight (whose budget slot
  // the caller gives back).
  bool Forget(const std::string& key);

  struct Placed {
    PlacementDecision decision;
    bool waits_for_slot = false;  // a move refused a budget slot: nothing counted, retry later
    kube::Json saved_secret;      // a new user's Secret saved on an earlier pass, if any
  };
  // Decides where assignment `key` (in namespace `ns`) goes, over `views` with the users counted
  // here, and counts it there. A move that needs a slot calls `take_slot` first (under the lock);
  // when that fails the user is left where it is counted. A VpnMigration request that is done,
  // pinned away or impossible is marked so.
  Placed Place(const std::string& ns, const std::string& key, const api::VpnAssignment& a,
               std::vector<balancer::NodeView> views, const balancer::PlacementPolicy& policy,
               const std::function<bool()>& take_slot);
  // A move that will not commit: the user is counted on `source_key` again (nowhere when empty),
  // and a pending VpnMigration request fails with `why` (unless empty).
  void Abandon(const std::string& key, const std::string& source_key, const std::string& why);

  void RequestMove(const std::string& key, const std::string& target);
  std::optional<MoveRequest> MoveRequestOf(const std::string& key) const;
  void ClearMoveRequest(const std::string& key);
  // The user reached `node`: a pending request for it is done.
  void FinishRequest(const std::string& key, const std::string& node);

  std::optional<MoveInFlight> TakeMoveInFlight(const std::string& key);
  void KeepMoveInFlight(const std::string& key, MoveInFlight move);
  void KeepNewChoice(const std::string& key, NewChoice choice);
  void DropNewChoice(const std::string& key);

 private:
  // The pending request of `key` that still has to move it, if any.
  MoveRequest* PendingRequestLocked(const std::string& key, const api::VpnAssignment& a) REQUIRES(mu_);

  mutable Mutex mu_;
  PlacementIndex placed_ GUARDED_BY(mu_);  // "ns/name" -> "ns/node"
  std::map<std::string, MoveRequest> requests_ GUARDED_BY(mu_);
  std::map<std::string, NewChoice> new_choices_ GUARDED_BY(mu_);
  std::map<std::string, MoveInFlight> in_flight_ GUARDED_BY(mu_);
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_PLACEMENT_BOOK_H_
