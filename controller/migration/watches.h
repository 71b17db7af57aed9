// File: controller/migration/watches.h
//
// The migration controller's watches: every add, update (its own status writes included: a
// Running migration polls its moves anyway) and delete of a VpnMigration wakes its reconcile.
//
// Ownership: borrows the controller and reconciler, which must outlive the informer.
// Thread-safety: before the informers start.
#ifndef X3UI_CONTROLLER_MIGRATION_WATCHES_H_
#define X3UI_CONTROLLER_MIGRATION_WATCHES_H_

#include <string>

#include "controller/migration/reconciler.h"
#include "pkg/kube/client.h"
#include "pkg/runtime/controller.h"

namespace x3ui::controller {

void WatchVpnMigrations(kube::KubeClient* kube, const std::string& ns, runtime::Controller* migrations,
                        MigrationReconciler* reconciler);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_MIGRATION_WATCHES_H_
