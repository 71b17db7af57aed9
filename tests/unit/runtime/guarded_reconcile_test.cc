// GuardedReconcile: a reconcile that throws becomes an error for the queue to retry, counted as a
// panic; one that returns is passed through untouched.
#include "pkg/runtime/guarded_reconcile.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace x3ui::runtime {
namespace {

using namespace std::chrono_literals;

TEST(GuardedReconcileTest, AThrowingReconcileIsAnErrorAndAPanicNotACrash) {
  metrics::Metrics metrics;
  metrics.RegisterController("vpnnode", 1);  // exports the counter at 0, as the manager does
  struct Case {
    const char* what;
    std::function<Result<ReconcileResult>()> reconcile;
    bool ok;
    std::string message;
    int panics;
  };
  const std::vector<Case> cases = {
      {"returns", [] { return Result<ReconcileResult>(ReconcileResult{5s}); }, true, "", 0},
      {"fails", [] { return Result<ReconcileResult>(Status::Unavailable("panel down")); }, false, "panel down", 0},
      {"throws std::exception", []() -> Result<ReconcileResult> { throw std::out_of_range("json key"); }, false,
       "reconcile threw: json key", 1},
      {"throws anything", []() -> Result<ReconcileResult> { throw 42; }, false,
       "reconcile threw: an exception of unknown type", 2},
  };
  for (const Case& c : cases) {
    Result<ReconcileResult> r = GuardedReconcile("vpnnode", c.reconcile, &metrics);
    EXPECT_EQ(r.ok(), c.ok) << c.what;
    if (r.ok()) EXPECT_EQ(r->requeue_after, 5s) << c.what;
    else EXPECT_EQ(r.status().message(), c.message) << c.what;
    EXPECT_NE(metrics.Exposition().find("controller_runtime_reconcile_panics_total{controller=\"vpnnode\"} " +
                                        std::to_string(c.panics)),
              std::string::npos)
        << c.what;
  }
}

}  // namespace
}  // namespace x3ui::runtime
