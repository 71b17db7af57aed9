// Builders of the resources the console's view tests read, as the API server would serve them.
#ifndef X3UI_TESTS_UNIT_CONTROLLER_DASHBOARD_FIXTURES_H_
#define X3UI_TESTS_UNIT_CONTROLLER_DASHBOARD_FIXTURES_H_

#include <string>

#include "controller/assignment/status.h"
#include "pkg/api/types.h"

namespace x3ui::controller::dashboard::testing {

inline api::VpnNode Node(const std::string& name, const std::string& phase, int64_t users, int64_t max_users,
                         int64_t priority = 0, const std::string& region = "eu") {
  api::VpnNode n;
  n.metadata.namespace_ = "vpn";
  n.metadata.name = name;
  n.spec.panel.url = "https://" + name + ".example.com:2053/s3cr3tBasePath/";
  n.spec.capacity.max_users = max_users;
  n.spec.priority = priority;
  n.spec.region = region;
  n.status.phase = phase;
  n.status.users = users;
  n.status.last_transition_time = "2026-12-04T10:00:00Z";
  return n;
}

inline api::VpnAssignment User(const std::string& name, const std::string& on, const std::string& email = "") {
  api::VpnAssignment a;
  a.metadata.namespace_ = "vpn";
  a.metadata.name = name;
  a.spec.user.id = "id-" + name;
  a.spec.user.email = email.empty() ? name + "@example.com" : email;
  a.status.node_name = on;
  a.status.phase = on.empty() ? api::kPhasePending : api::kPhaseReady;
  return a;
}

// The assignment controller's own status marks, so that the console's reading of their messages
// is tested against the real wording.
inline api::VpnAssignment Moved(api::VpnAssignment a, const std::string& reason, const std::string& from,
                                const std::string& to, const std::string& at) {
  MarkMoved({&a.status, 1, at}, reason, from, to);
  a.status.node_name = to;
  return a;
}

inline api::VpnAssignment MoveFailed(api::VpnAssignment a, const std::string& reason, const std::string& to,
                                     const std::string& at) {
  MarkMoveFailed({&a.status, 1, at}, reason, a.status.node_name, to, "panel refused");
  return a;
}

}  // namespace x3ui::controller::dashboard::testing

#endif  // X3UI_TESTS_UNIT_CONTROLLER_DASHBOARD_FIXTURES_H_
