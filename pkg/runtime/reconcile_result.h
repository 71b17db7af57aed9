// File: pkg/runtime/reconcile_result.h
//
// What a reconcile pass asks of its work queue besides success: come back after a while.
#ifndef X3UI_PKG_RUNTIME_RECONCILE_RESULT_H_
#define X3UI_PKG_RUNTIME_RECONCILE_RESULT_H_

#include <chrono>

namespace x3ui::runtime {

struct ReconcileResult {
  std::chrono::milliseconds requeue_after{0};  // 0: only on the next change
};

}  // namespace x3ui::runtime

#endif  // X3UI_PKG_RUNTIME_RECONCILE_RESULT_H_
