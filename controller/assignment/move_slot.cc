#include "controller/assignment/move_slot.h"

namespace x3ui::controller {

MoveSlot::~MoveSlot() {
  if (key_.empty()) return;
  if (std::optional<std::string> next = budget_->Release(key_); next && wake_) wake_(*next);
}

bool MoveSlot::Acquire(const std::string& key) {
  if (!budget_) return true;
  if (!budget_->TryAcquire(key)) return false;
  key_ = key;
  return true;
}

}  // namespace x3ui::controller
