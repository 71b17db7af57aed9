// The drift diff of a probed node: its panel's owned clients against the assignments placed on
// it. Missing or stale clients are handed to their assignment's reconciler (only it holds the
// credentials), extra ones to the cleanup controller (off the probe); foreign clients are never
// touched.
#include <spdlog/spdlog.h>

#include "controller/node/reconciler.h"
#include "controller/node/status.h"
#include "pkg/api/conditions.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

void NodeReconciler::RepairDrift(const api::VpnNode& node,
                                 const std::vector<panel::Inbound>& inbounds, api::VpnNodeStatus* next) {
  const std::string& ns = node.metadata.namespace_;
  const std::string& name = node.metadata.name;
  if (!deps_.placed_users) return;
  std::optional<std::vector<PlacedUser>> placed = deps_.placed_users(ns, name);
  if (!placed) return;
  DriftReport drift = DiffOwnedClients(ns, node.spec, inbounds, *placed, deps_.expected_keys);
  // A line when what the operator owns drifts or is repaired; a change of foreign clients alone
  // (someone's hand-made clients) is no decision of the operator's, so it stays at debug.
  const auto& c = drift.counts;
  const auto& was = next->drift;
  const bool owned_changed = c.missing != was.missing || c.stale != was.stale || c.extra != was.extra;
  if (owned_changed || c.foreign != was.foreign) {
    spdlog::log(owned_changed ? spdlog::level::info : spdlog::level::debug,
                "drift node={}/{} missing={} stale={} extra={} foreign={}{}", ns, name, c.missing, c.stale, c.extra,
                c.foreign, c.missing + c.stale + c.extra > 0 ? " action=repairing" : "");
  }
  next->drift = drift.counts;
  // Extra clients are removed by the cleanup controller, off this probe: thousands of them
  // (a panel back after its users failed over) would hold the probe for minutes.
  if (!drift.extra.empty() && deps_.remove_extra) deps_.remove_extra(ns, name, drift.extra);
  if (deps_.repair) {
    for (const auto& user : drift.repair) deps_.repair(ns, user);
  }
  if (deps_.metrics) {
    const std::string key = kube::ObjectKey{ns, name}.String();
    deps_.metrics->DriftClients(key, "missing", static_cast<double>(drift.counts.missing));
    deps_.metrics->DriftClients(key, "stale", static_cast<double>(drift.counts.stale));
    deps_.metrics->DriftClients(key, "extra", static_cast<double>(drift.counts.extra));
    deps_.metrics->DriftClients(key, "foreign", static_cast<double>(drift.counts.foreign));
  }
  api::SetCondition(&next->conditions, InSyncCondition(drift.counts, node.metadata.generation),
                    FormatRfc3339(deps_.clock->Now()));
}

}  // namespace x3ui::controller
