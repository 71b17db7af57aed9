// File: controller/move_budget.h
//
// MoveBudget: the disruption budget (SPEC.md §1 "Migration", --disruption-budget). At most
// `limit` users are between "added on the target" and "removed from the source" at once, whatever
// moved them (failover, drain, deletion, a pin, a VpnMigration). A user refused a slot is
// remembered, and handed back (in the order refused) when a slot frees, so that waiting users are
// retried exactly when they can proceed rather than by polling.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef X3UI_CONTROLLER_MOVE_BUDGET_H_
#define X3UI_CONTROLLER_MOVE_BUDGET_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "pkg/common/mutex.h"

namespace x3ui::controller {

class MoveBudget {
 public:
  // REQUIRES: limit >= 1.
  explicit MoveBudget(int64_t limit) : limit_(limit) {}

  // Takes a slot for `user`; true when it may move now. A user already holding one gets true
  // again without taking a second. False records `user` as waiting.
  bool TryAcquire(const std::string& user);
  // Gives back `user`'s slot (no-op if it holds none) and returns the waiting user to retry now,
  // if any.
  std::optional<std::string> Release(const std::string& user);

  int64_t in_flight() const;
  int64_t waiting() const;
  int64_t limit() const { return limit_; }

 private:
  const int64_t limit_;
  mutable Mutex mu_;
  std::set<std::string> holders_ GUARDED_BY(mu_);
  std::deque<std::string> waiting_ GUARDED_BY(mu_);
  std::set<std::string> waiting_set_ GUARDED_BY(mu_);
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_MOVE_BUDGET_H_
