#include "controller/migration/watches.h"

namespace x3ui::controller {

void WatchVpnMigrations(kube::KubeClient* kube, const std::string& ns, runtime::Controller* migrations,
                        MigrationReconciler* reconciler) {
  migrations->Watch(kube, kube::kVpnMigrations, ns);
  migrations->SetReconcile([reconciler](const std::string& ns, const std::string& n) { return reconciler->Reconcile(ns, n); });
  auto wake = [migrations](const kube::Json& o) { migrations->Enqueue(kube::Informer::KeyOf(o)); };
  migrations->informer()->AddHandlers({wake, [wake](const kube::Json&, const kube::Json& n) { wake(n); }, wake});
}

}  // namespace x3ui::controller
