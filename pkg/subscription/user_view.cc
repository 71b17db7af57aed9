#include "pkg/subscription/user_view.h"

namespace x3ui::subscription {

Served HealthFilter(const UserView& u) {
  if (!u.enabled) return {{}, "Your VPN access is disabled"};
  if (u.node.empty()) return {{}, "Your VPN access is being set up; try again in a few minutes"};
  if (u.node_phase == "Unreachable") return {{}, "Your server is down; a new one is being prepared"};
  return {u.links, ""};
}

}  // namespace x3ui::subscription
