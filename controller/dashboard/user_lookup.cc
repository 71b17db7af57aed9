#include "controller/dashboard/user_lookup.h"

#include <algorithm>
#include <tuple>

#include "pkg/common/strings.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller::dashboard {
namespace {

bool Matches(const api::VpnAssignment& a, const std::string& lower_query) {
  for (const std::string* field : {&a.metadata.name, &a.spec.user.email, &a.spec.user.id}) {
    if (AsciiLower(*field).find(lower_query) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> MigrationsNaming(const api::VpnAssignment& a, const std::vector<api::VpnMigration>& migrations) {
  std::vector<std::string> names;
  for (const api::VpnMigration& m : migrations) {
    if (m.metadata.namespace_ != a.metadata.namespace_) continue;
    const auto& plan = m.status.plan;
    if (std::any_of(plan.begin(), plan.end(), [&](const api::PlannedMove& mv) { return mv.user == a.metadata.name; })) {
      names.push_back(m.metadata.name);
    }
  }
  return names;
}

api::Json ToJson(const api::Condition& c) {
  return {{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}, {"since", c.last_transition_time}};
}

api::Json ToJson(const UserRow& u) {
  api::Json conditions = api::Json::array();
  for (const api::Condition& c : u.conditions) conditions.push_back(ToJson(c));
  return {{"namespace", u.ns}, {"name", u.name}, {"email", u.email}, {"userId", u.user_id}, {"phase", u.phase},
          {"node", u.node}, {"nodePhase", u.node_phase}, {"migrations", u.migrations},
          {"lastMigration", u.last_migration}, {"conditions", std::move(conditions)},
          {"move", u.move ? ToJson(*u.move) : api::Json(nullptr)}, {"inMigrations", u.in_migrations}};
}

}  // namespace

UserLookup FindUsers(const UserQuery& query, const std::vector<api::VpnNode>& nodes,
                     const std::vector<api::VpnAssignment>& assignments,
                     const std::vector<api::VpnMigration>& migrations, TimePoint now) {
  UserLookup out;
  const std::string q = AsciiLower(TrimBlanks(query.text));
  if (q.empty()) return out;
  const NodeIndex index = IndexNodes(nodes);
  const RunningPlans running = RunningMoves(migrations);
  std::vector<const api::VpnAssignment*> hits;
  for (const api::VpnAssignment& a : assignments) {
    if (Matches(a, q)) hits.push_back(&a);
  }
  std::sort(hits.begin(), hits.end(), [](const auto* x, const auto* y) {
    return std::tie(x->metadata.namespace_, x->metadata.name) < std::tie(y->metadata.namespace_, y->metadata.name);
  });
  out.matched = hits.size();
  if (hits.size() > query.limit) hits.resize(query.limit);
  for (const api::VpnAssignment* a : hits) {
    UserRow row{.ns = a->metadata.namespace_, .name = a->metadata.name, .email = a->spec.user.email,
                .user_id = a->spec.user.id, .phase = a->status.phase.empty() ? api::kPhasePending : a->status.phase,
                .node = a->status.node_name, .migrations = a->status.migrations,
                .last_migration = a->status.last_migration_time, .conditions = a->status.conditions,
                .move = MoveOf(*a, index, running, now, kRecentMoves),
                .in_migrations = MigrationsNaming(*a, migrations)};
    if (auto n = index.find(kube::ObjectKey{row.ns, row.node}.String()); !row.node.empty() && n != index.end()) {
      row.node_phase = n->second->status.phase;
    }
    out.users.push_back(std::move(row));
  }
  return out;
}

api::Json ToJson(const UserLookup& lookup) {
  api::Json users = api::Json::array();
  for (const UserRow& u : lookup.users) users.push_back(ToJson(u));
  return {{"users", std::move(users)}, {"matched", lookup.matched}};
}

}  // namespace x3ui::controller::dashboard
