// File: pkg/runtime/guarded_reconcile.h
//
// The exception boundary around one reconcile, as controller-runtime recovers a panicking
// Reconcile: whatever the pass throws (a library exception an adapter missed, a bug) becomes an
// Internal error, which the work queue retries with backoff, and is counted in
// controller_runtime_reconcile_panics_total{controller}. It never ends the process: the other
// keys and controllers go on.
//
// Thread-safety: as thread-safe as `reconcile` and `metrics` (Metrics is).
#ifndef X3UI_PKG_RUNTIME_GUARDED_RECONCILE_H_
#define X3UI_PKG_RUNTIME_GUARDED_RECONCILE_H_

#include <functional>
#include <string>

#include "pkg/common/status.h"
#include "pkg/metrics/metrics.h"
#include "pkg/runtime/reconcile_result.h"

namespace x3ui::runtime {

Result<ReconcileResult> GuardedReconcile(const std::string& controller,
                                         const std::function<Result<ReconcileResult>()>& reconcile,
                                         metrics::Metrics* metrics);

}  // namespace x3ui::runtime

#endif  // X3UI_PKG_RUNTIME_GUARDED_RECONCILE_H_
