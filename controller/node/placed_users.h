// File: controller/node/placed_users.h
//
// PlacedUsersCache: what the drift diff of a node needs — the assignments placed on it, decoded
// from the assignment informer's cache. An answer is decoded again only when the node's set of
// users or one of their objects changed since the last probe (decoding every user of every node
// on every probe was most of an idle operator's CPU). The assignment watches call Touched for
// every add, update and delete.
//
// Ownership: borrows the assignment controller, which must outlive this.
// Thread-safety: thread-safe (one internal lock, never held across a decode of many objects).
#ifndef X3UI_CONTROLLER_NODE_PLACED_USERS_H_
#define X3UI_CONTROLLER_NODE_PLACED_USERS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/owned_clients.h"
#include "pkg/common/mutex.h"
#include "pkg/kube/informer.h"
#include "pkg/runtime/controller.h"

namespace x3ui::controller {

class PlacedUsersCache {
 public:
  // The names of the assignments placed on a node ("namespace/name" of the node).
  using PlacedOn = std::function<std::vector<std::string>(const std::string& node_key)>;
  // `assignments` is the assignment controller, whose informer is read (it may be set up later).
  PlacedUsersCache(const runtime::Controller* assignments, PlacedOn placed_on)
      : assignments_(assignments), placed_on_(std::move(placed_on)) {}

  // The assignments placed on node `ns/node`; nullopt while the cache is incomplete or one of
  // them cannot be decoded (the diff then removes nothing).
  std::optional<std::vector<PlacedUser>> Get(const std::string& ns, const std::string& node);
  // Assignment `o` (as cached) was added, changed or deleted.
  void Touched(const kube::Json& o);
  // Node `node_key` is gone: its entries go too.
  void Forget(const std::string& node_key);

 private:
  struct Entry {
    uint64_t epoch;
    std::vector<std::string> names;
    std::vector<PlacedUser> users;
  };
  const runtime::Controller* const assignments_;
  const PlacedOn placed_on_;
  Mutex mu_;
  std::map<std::string, uint64_t> epochs_ GUARDED_BY(mu_);  // node key -> changes seen to its assignments
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);    // node key -> Get's last answer
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_PLACED_USERS_H_
