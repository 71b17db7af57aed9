// File: controller/manager.h
//
// Manager: wires the operator together (controller-runtime's manager): the Kubernetes client,
// informers feeding one work queue per controller, workers running the reconcilers, optional
// Lease-based leader election, the ledger, /metrics and /healthz + /readyz, and a graceful stop.
// It runs three controllers (VpnNode, VpnAssignment, VpnMigration); before their first reconcile
// it finishes or rolls back the moves a previous run left half done and corrects the ledger.
//
// Thread-safety: New and Run from the main thread; Stop from any thread (a signal handler
// thread).
#ifndef X3UI_CONTROLLER_MANAGER_H_
#define X3UI_CONTROLLER_MANAGER_H_

#include <atomic>
#include <memory>

#include "controller/options.h"
#include "pkg/common/status.h"

namespace x3ui::controller {

class Manager {
 public:
  // Builds every client from `options` (kubeconfig or in-cluster, database URL). Errors say what
  // to fix (a missing kubeconfig, an unreachable database with its password redacted).
  static Result<std::unique_ptr<Manager>> New(const Options& options);
  ~Manager();

  // Blocks until Stop() or a lost leader lease. Returns the process exit code: 0 after Stop(),
  // 1 when leadership was lost (the process must exit so that a new leader takes over cleanly).
  int Run();
  void Stop();

 private:
  struct Impl;
  explicit Manager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_MANAGER_H_
