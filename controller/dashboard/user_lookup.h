// File: controller/dashboard/user_lookup.h
//
// The fleet console's user lookup: the VpnAssignments whose name, user email or user id contains
// the query (case-insensitive), each with its node and that node's phase, its own phase and
// conditions, its move (moves_view) and the VpnMigrations whose plan names it. Nothing of the
// user's credentials Secret is read; the Secret's name is not shown either.
//
// Thread-safety: plain values and pure functions.
#ifndef X3UI_CONTROLLER_DASHBOARD_USER_LOOKUP_H_
#define X3UI_CONTROLLER_DASHBOARD_USER_LOOKUP_H_

#include <optional>
#include <string>
#include <vector>

#include "controller/dashboard/moves_view.h"
#include "pkg/api/types.h"

namespace x3ui::controller::dashboard {

struct UserRow {
  std::string ns, name, email, user_id;
  std::string phase, node, node_phase;  // node_phase "" when the node is not in the cache
  int64_t migrations = 0;
  std::string last_migration;
  std::vector<api::Condition> conditions;
  std::optional<MoveRow> move;
  std::vector<std::string> in_migrations;  // VpnMigrations whose plan lists the user
};

struct UserQuery {
  std::string text;    // trimmed; an empty query finds nothing
  size_t limit = 50;
};

struct UserLookup {
  std::vector<UserRow> users;  // by namespace and name, at most query.limit
  size_t matched = 0;          // before the limit
};

UserLookup FindUsers(const UserQuery& query, const std::vector<api::VpnNode>& nodes,
                     const std::vector<api::VpnAssignment>& assignments,
                     const std::vector<api::VpnMigration>& migrations, TimePoint now);

api::Json ToJson(const UserLookup& lookup);

}  // namespace x3ui::controller::dashboard

#endif  // X3UI_CONTROLLER_DASHBOARD_USER_LOOKUP_H_
