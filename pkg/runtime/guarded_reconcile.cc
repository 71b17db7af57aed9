#include "pkg/runtime/guarded_reconcile.h"

#include <exception>

namespace x3ui::runtime {

Result<ReconcileResult> GuardedReconcile(const std::string& controller,
                                         const std::function<Result<ReconcileResult>()>& reconcile,
                                         metrics::Metrics* metrics) {
  std::string what;
  try {
    return reconcile();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception of unknown type";
  }
  if (metrics) metrics->ReconcilePanic(controller);
  return Status::Internal("reconcile threw: " + what);
}

}  // namespace x3ui::runtime
