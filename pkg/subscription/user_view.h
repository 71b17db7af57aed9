// File: pkg/subscription/user_view.h
//
// What the subscription server knows of one user, gathered from the informer caches (the
// VpnAssignment, its node's VpnNode, its credentials Secret), and the health decision on it:
// which links the user is served and, when none, why.
//
// Thread-safety: plain values and pure functions.
#ifndef X3UI_PKG_SUBSCRIPTION_USER_VIEW_H_
#define X3UI_PKG_SUBSCRIPTION_USER_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

namespace x3ui::subscription {

struct UserView {
  std::string name;                // the VpnAssignment's name
  bool enabled = true;             // spec.enabled
  std::string node;                // status.nodeName
  std::string phase;               // the assignment's status.phase
  std::string node_phase;          // the VpnNode's status.phase ("" when it is not cached)
  int64_t total_bytes = 0;         // the traffic limit (0: unlimited)
  int64_t expiry_unix = 0;         // seconds since the epoch (0: never)
  int64_t ip_limit = 0;
  std::vector<std::string> links;  // share links, current node first
};

struct Served {
  std::vector<std::string> links;
  std::string reason;  // empty when links are served; else why not, shown to the user
};

// A disabled user, or one whose node is Unreachable, gets no links and the reason; a user with
// no node yet gets none either.
Served HealthFilter(const UserView& u);

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_USER_VIEW_H_
