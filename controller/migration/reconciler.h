// File: controller/migration/reconciler.h
//
// MigrationReconciler: one pass over one VpnMigration (SPEC.md §2), as numbered steps: read it;
// refuse an invalid spec; a finished one (Succeeded or Failed) is left alone; a dry run is planned
// again every few seconds (a preview of what would move now) and written only when it changes;
// otherwise plan once with the MigrationPlanner over the users placed now (the
// plan goes to status and is what a Running migration executes, also after a restart); a dry run
// stops there; otherwise hand the planned moves to the assignment reconciler as move requests, at
// most maxConcurrent (else the operator's disruption budget) at a time, and count them as they
// land or fail; finish with Succeeded (every move landed) or Failed (some could not).
//
// The moves themselves are the assignments' (make-before-break, same credentials, journaled,
// within the disruption budget): this controller only decides and watches.
//
// Thread-safety: Reconcile may run concurrently for different keys.
#ifndef X3UI_CONTROLLER_MIGRATION_RECONCILER_H_
#define X3UI_CONTROLLER_MIGRATION_RECONCILER_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "controller/assignment/placement_book.h"
#include "controller/node/reconciler.h"
#include "pkg/balancer/migration_planner.h"
#include "pkg/common/clock.h"
#include "pkg/kube/client.h"
#include "pkg/kube/events.h"

namespace x3ui::controller {

struct MigrationReconcilerDeps {
  kube::KubeClient* kube = nullptr;                 // required: reads and writes VpnMigrations
  const Clock* clock = nullptr;                     // required
  PlacementBook* book = nullptr;                    // required: users' counts; takes the move requests
  // The balancer's view of the nodes of a namespace; required.
  std::function<std::vector<balancer::NodeView>(const std::string& ns)> nodes;
  // Every placed VpnAssignment of a namespace, as the informer holds it; required.
  std::function<std::vector<kube::Json>(const std::string& ns)> placed;
  // Puts an assignment ("ns/name") on its work queue; required.
  std::function<void(const std::string& key)> wake;
  kube::EventRecorder* events = nullptr;            // optional
  int64_t disruption_budget = 50;                   // the cap when spec.maxConcurrent is 0
};

struct MigrationReconcilerOptions {
  std::chrono::milliseconds poll{1000};  // how often a Running migration checks on its moves
  std::chrono::milliseconds dry_run_refresh{10000};  // how often a dry run's plan is brought up to date
};

class MigrationReconciler {
 public:
  MigrationReconciler(MigrationReconcilerDeps deps, MigrationReconcilerOptions options);

  Result<runtime::ReconcileResult> Reconcile(const std::string& ns, const std::string& name);

 private:
  Result<runtime::ReconcileResult> Plan(const kube::Json& obj, api::VpnMigration m);
  Result<runtime::ReconcileResult> Run(const kube::Json& obj, api::VpnMigration m);
  Status WriteStatus(const api::VpnMigration& m, const api::VpnMigrationStatus& next);

  MigrationReconcilerDeps deps_;
  MigrationReconcilerOptions options_;
  balancer::PlacementPolicy policy_;
  balancer::MigrationPlanner planner_{&policy_};
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_MIGRATION_RECONCILER_H_
