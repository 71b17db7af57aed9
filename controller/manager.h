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

  // Blocks until Stop(); returns the process exit code. With leader election the controllers
  // run only while the Lease is held, the Lease is released after they stopped, and a lost
  // Lease (no renewal within the renew deadline) ends the process at once with exit code 1,
  // without draining: a successor may be leading already.
  int Run();
  void Stop();

 private:
  struct Impl;
  explicit Manager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_MANAGER_H_
