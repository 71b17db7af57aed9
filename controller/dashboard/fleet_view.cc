#include "controller/dashboard/fleet_view.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "pkg/api/conditions.h"
#include "pkg/common/url.h"

namespace x3ui::controller::dashboard {
namespace {

void Count(const NodeRow& row, Capacity* c) {
  c->nodes += 1;
  c->ready += row.phase == api::kPhaseReady ? 1 : 0;
  c->users += row.users;
  c->capacity += row.capacity;
  if (row.takes_users) c->free += std::max<int64_t>(0, row.capacity - row.users);
}

void Add(const Capacity& c, Capacity* sum) {
  sum->nodes += c.nodes;
  sum->ready += c.ready;
  sum->users += c.users;
  sum->capacity += c.capacity;
  sum->free += c.free;
}

api::Json ToJson(const Capacity& c) {
  return {{"nodes", c.nodes}, {"ready", c.ready}, {"users", c.users}, {"capacity", c.capacity}, {"free", c.free}};
}

// Highest priority first (the balancer fills that tier first), then region and name.
bool DisplayOrder(const NodeRow& a, const NodeRow& b) {
  return std::tie(b.priority, a.region, a.ns, a.name) < std::tie(a.priority, b.region, b.ns, b.name);
}

}  // namespace

NodeRow RowOf(const api::VpnNode& node) {
  const api::VpnNodeStatus& st = node.status;
  NodeRow row{.ns = node.metadata.namespace_, .name = node.metadata.name,
              .phase = st.phase.empty() ? "Unknown" : st.phase, .since = st.last_transition_time,
              .panel = UrlHostPort(node.spec.panel.url), .region = node.spec.region, .flavor = st.api_flavor,
              .xray_version = st.xray_version, .panel_version = st.panel_version, .users = st.users,
              .capacity = node.spec.capacity.max_users, .priority = node.spec.priority, .weight = node.spec.weight,
              .latency_ms = st.latency_ms, .drift_missing = st.drift.missing, .drift_stale = st.drift.stale,
              .drift_extra = st.drift.extra, .drift_foreign = st.drift.foreign,
              .cordoned = node.spec.unschedulable, .draining = node.spec.drain, .deleting = node.metadata.deleting()};
  const api::Condition* ready = api::FindCondition(st.conditions, api::kReady);
  if (ready != nullptr && ready->status != api::kConditionTrue) row.ready_reason = ready->reason;
  row.takes_users = row.phase == api::kPhaseReady && !row.cordoned && !row.draining && !row.deleting;
  return row;
}

FleetView BuildFleetView(const std::vector<api::VpnNode>& nodes) {
  FleetView view;
  for (const api::VpnNode& n : nodes) view.nodes.push_back(RowOf(n));
  std::sort(view.nodes.begin(), view.nodes.end(), DisplayOrder);
  std::map<int64_t, std::map<std::string, Capacity>, std::greater<>> tiers;
  for (const NodeRow& row : view.nodes) {
    Count(row, &tiers[row.priority][row.region]);
    Count(row, &view.total);
  }
  for (const auto& [priority, regions] : tiers) {
    TierSummary tier{.priority = priority};
    for (const auto& [region, c] : regions) {
      tier.regions.push_back({region, c});
      Add(c, &tier.total);
    }
    view.tiers.push_back(std::move(tier));
  }
  return view;
}

api::Json ToJson(const NodeRow& r) {
  return {{"namespace", r.ns}, {"name", r.name}, {"phase", r.phase}, {"readyReason", r.ready_reason},
          {"since", r.since}, {"panel", r.panel}, {"region", r.region}, {"flavor", r.flavor},
          {"xrayVersion", r.xray_version}, {"panelVersion", r.panel_version}, {"users", r.users},
          {"capacity", r.capacity}, {"priority", r.priority}, {"weight", r.weight}, {"latencyMs", r.latency_ms},
          {"drift", {{"missing", r.drift_missing}, {"stale", r.drift_stale}, {"extra", r.drift_extra}, {"foreign", r.drift_foreign}}},
          {"cordoned", r.cordoned}, {"draining", r.draining}, {"deleting", r.deleting}, {"takesUsers", r.takes_users}};
}

api::Json ToJson(const FleetView& v) {
  api::Json nodes = api::Json::array(), tiers = api::Json::array();
  for (const NodeRow& r : v.nodes) nodes.push_back(ToJson(r));
  for (const TierSummary& t : v.tiers) {
    api::Json regions = api::Json::array();
    for (const RegionSummary& r : t.regions) regions.push_back({{"region", r.region}, {"total", ToJson(r.total)}});
    tiers.push_back({{"priority", t.priority}, {"total", ToJson(t.total)}, {"regions", std::move(regions)}});
  }
  return {{"nodes", std::move(nodes)}, {"tiers", std::move(tiers)}, {"total", ToJson(v.total)}};
}

}  // namespace x3ui::controller::dashboard
