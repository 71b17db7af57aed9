// File: controller/dashboard/fleet_view.h
//
// The fleet console's view of the VpnNodes: one row per node (phase, users against capacity,
// priority, weight, region, latency, flavor, versions, drift) and the distribution by priority
// tier and region with the free capacity of each. Built from the informer's objects by pure
// functions, so that a table of nodes in gives a table of rows out.
//
// No row carries a credential: the panel is shown as host:port (UrlHostPort), never with its URL
// path, which on classic panels holds a secret base path, and nothing of the credentials Secret.
//
// Thread-safety: plain values and pure functions.
#ifndef X3UI_CONTROLLER_DASHBOARD_FLEET_VIEW_H_
#define X3UI_CONTROLLER_DASHBOARD_FLEET_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pkg/api/types.h"

namespace x3ui::controller::dashboard {

struct NodeRow {
  std::string ns, name;
  std::string phase;         // status.phase; "Unknown" before the first probe was written
  std::string ready_reason;  // the Ready condition's reason while it is not True (LoginFailed, ...)
  std::string since;         // status.lastTransitionTime of the phase
  std::string panel;         // host:port only
  std::string region, flavor, xray_version, panel_version;
  int64_t users = 0, capacity = 0, priority = 0, weight = 0, latency_ms = 0;
  int64_t drift_missing = 0, drift_stale = 0, drift_extra = 0, drift_foreign = 0;
  bool cordoned = false, draining = false, deleting = false;
  // Ready, and new users may land on it (not cordoned, draining or deleted).
  bool takes_users = false;
};

// Users and room of a set of nodes; `free` counts only nodes that take users.
struct Capacity {
  int64_t nodes = 0, ready = 0, users = 0, capacity = 0, free = 0;
};

struct RegionSummary {
  std::string region;  // "" for nodes without one
  Capacity total;
};

struct TierSummary {
  int64_t priority = 0;
  Capacity total;
  std::vector<RegionSummary> regions;  // by name
};

struct FleetView {
  std::vector<NodeRow> nodes;      // by priority (highest first), region, namespace, name
  std::vector<TierSummary> tiers;  // highest priority first: the order the balancer fills them
  Capacity total;
};

NodeRow RowOf(const api::VpnNode& node);
FleetView BuildFleetView(const std::vector<api::VpnNode>& nodes);

api::Json ToJson(const NodeRow& row);
api::Json ToJson(const FleetView& view);

}  // namespace x3ui::controller::dashboard

#endif  // X3UI_CONTROLLER_DASHBOARD_FLEET_VIEW_H_
