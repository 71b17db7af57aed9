// File: controller/pending_removals/reconciler.h
//
// PendingRemovalsReconciler: removes the owned clients a node must no longer hold, off the node's probe.
// Two kinds: the clients the ledger's pending_removals recorded while the node did not answer
// (moves and deletions that could not reach it), and the extra owned clients (no assignment
// placed on the node wants them) that the node's drift diff found and handed over. Keyed by node
// ("ns/node"), run by its own work queue and workers, so that a revived panel with thousands of
// leftovers — one delete call each: the panel's API has no bulk delete — neither holds the
// node's probe nor keeps its status stale. A client whose assignment has been placed on the node
// since the diff is kept. After a pass that removed something, the node is probed again, so that
// its status.drift says so.
//
// Thread-safety: HandExtra may be called from any thread; Reconcile may run concurrently for
// different keys (one worker per key).
#ifndef X3UI_CONTROLLER_PENDING_REMOVALS_RECONCILER_H_
#define X3UI_CONTROLLER_PENDING_REMOVALS_RECONCILER_H_

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/runtime/reconcile_result.h"
#include "pkg/common/status.h"
#include "pkg/x3ui/session_pool.h"
#include "pkg/common/mutex.h"

namespace x3ui::controller {

struct PendingRemovalsReconcilerDeps {
  panel::PanelSessionPool* panels = nullptr;  // required: the node reconciler's sessions
  // Removes the ledger's pending removals of node `ns/node` (AssignmentReconciler::RemovePending);
  // optional (no ledger).
  std::function<Status(const std::string& ns, const std::string& node)> remove_pending;
  // The names of the assignments placed on node `ns/node` now (their clients are wanted there).
  std::function<std::vector<std::string>(const std::string& ns, const std::string& node)> placed_on;
  // Asks for node `ns/node` to be probed again. Optional.
  std::function<void(const std::string& node_key)> reprobe;
};

class PendingRemovalsReconciler {
 public:
  explicit PendingRemovalsReconciler(PendingRemovalsReconcilerDeps deps);

  // The drift diff of node `node_key` found these extra owned clients (lower-case emails);
  // replaces what an earlier diff handed over and is not removed yet.
  void HandExtra(const std::string& node_key, std::vector<std::string> emails);
  // Removes node `ns/node`'s extra clients, then its pending removals when `pending` is set (the
  // node answers and is Ready). Errors are for the work queue to retry with backoff.
  Result<runtime::ReconcileResult> Reconcile(const std::string& ns, const std::string& node, bool pending);

 private:
  // Removes what is still extra of `emails` on the node; the number removed.
  Result<size_t> RemoveExtra(const std::string& ns, const std::string& node, const std::vector<std::string>& emails);

  PendingRemovalsReconcilerDeps deps_;
  Mutex mu_;
  std::map<std::string, std::vector<std::string>> extra_ GUARDED_BY(mu_);  // node key -> emails
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_PENDING_REMOVALS_RECONCILER_H_
