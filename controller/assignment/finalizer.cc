// The finalizer x3ui.io/panel-clients holds a deleted VpnAssignment until its clients are gone
// from its panel (an inbound's last client, which 2.x/3.0 panels refuse to delete, is disabled
// instead), so that deleting an assignment revokes the user's access. It is released without
// touching a panel when the user was never placed or its VpnNode is gone.
#include <spdlog/spdlog.h>

#include "controller/assignment/client_sync.h"
#include "controller/assignment/reconciler.h"
#include "controller/finalizers.h"
#include "controller/record_event.h"
#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"

namespace x3ui::controller {

Result<runtime::ReconcileResult> AssignmentReconciler::Finalize(const kube::Json& obj, const api::VpnAssignment& a) {
  if (!HasFinalizer(a.metadata.finalizers, kPanelClientsFinalizer)) return runtime::ReconcileResult{};
  const std::string& ns = a.metadata.namespace_;
  const std::string& node = a.status.node_name;
  if (Status s = RemoveUserClients(panels_, ns, a.metadata.name, node); !s.ok()) {
    const api::Condition* was = api::FindCondition(a.status.conditions, api::kReady);
    if (!was || was->reason != api::kReasonCleanupPending) {
      spdlog::warn("deletion waits assignment={}/{} node={} reason=CleanupPending error={}", ns, a.metadata.name, node,
                   s.message());
      RecordEvent(deps_.events, obj, "Warning", api::kReasonCleanupPending, "Delete",
                  "waiting to remove the user's clients from " + node + ": " + s.message());
    }
    api::VpnAssignment updated = a;
    api::SetCondition(&updated.status.conditions,
                      api::MakeCondition(api::kReady, false, api::kReasonCleanupPending,
                                         "removing the user's clients from " + node + ": " + s.message(),
                                         a.metadata.generation),
                      FormatRfc3339(deps_.clock->Now()));
    if (!(updated.status == a.status)) {
      if (auto w = deps_.kube->UpdateStatus(kube::kVpnAssignments, ns, api::Encode(updated)); !w.ok()) return w.status();
    }
    return runtime::ReconcileResult{options_.retry_unplaced};
  }
  if (Status s = RemoveFinalizer(*deps_.kube, kube::kVpnAssignments, obj, kPanelClientsFinalizer); !s.ok()) return s;
  spdlog::info("access revoked assignment={}/{} node={}", ns, a.metadata.name, node.empty() ? "none" : node);
  Forget(ns, a.metadata.name);
  saga_.Journal("release " + a.metadata.name, [ns, n = a.metadata.name](store::LedgerStore& s) {
    return s.ReleasePlacement(ns, n, api::kReasonDeleted);
  });
  return runtime::ReconcileResult{};
}

}  // namespace x3ui::controller
