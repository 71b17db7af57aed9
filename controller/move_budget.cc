#include "controller/move_budget.h"

namespace x3ui::controller {

bool MoveBudget::TryAcquire(const std::string& user) {
  MutexLock l(mu_);
  if (holders_.count(user)) return true;
  if (static_cast<int64_t>(holders_.size()) < limit_) {
    holders_.insert(user);
    return true;
  }
  if (waiting_set_.insert(user).second) waiting_.push_back(user);
  return false;
}

std::optional<std::string> MoveBudget::Release(const std::string& user) {
  MutexLock l(mu_);
  if (holders_.erase(user) == 0 || waiting_.empty()) return std::nullopt;
  std::string next = waiting_.front();
  waiting_.pop_front();
  waiting_set_.erase(next);
  return next;
}

int64_t MoveBudget::in_flight() const {
  MutexLock l(mu_);
  return static_cast<int64_t>(holders_.size());
}

int64_t MoveBudget::waiting() const {
  MutexLock l(mu_);
  return static_cast<int64_t>(waiting_.size());
}

}  // namespace x3ui::controller
