// File: controller/assignment/move_slot.h
//
// MoveSlot: a slot of the disruption budget (MoveBudget) held for one reconcile; given back,
// and the next waiting user woken, when it goes out of scope unless Keep() lets it outlive the
// reconcile (a move waiting for the batcher's add, whose next pass Adopt()s it again).
//
// Thread-safety: one MoveSlot belongs to one reconcile; the budget locks itself.
#ifndef X3UI_CONTROLLER_ASSIGNMENT_MOVE_SLOT_H_
#define X3UI_CONTROLLER_ASSIGNMENT_MOVE_SLOT_H_

#include <functional>
#include <string>

#include "controller/move_budget.h"

namespace x3ui::controller {

class MoveSlot {
 public:
  // `budget` may be null (no budget: every move may go); `wake` must outlive the slot.
  MoveSlot(MoveBudget* budget, const std::function<void(const std::string&)>& wake) : budget_(budget), wake_(wake) {}
  ~MoveSlot();
  MoveSlot(const MoveSlot&) = delete;
  MoveSlot& operator=(const MoveSlot&) = delete;

  // Takes a slot for `key`; false when the budget is spent (the user waits to be woken).
  [[nodiscard]] bool Acquire(const std::string& key);
  // Takes over the slot `key` already holds (a move resumed after its batched add).
  void Adopt(const std::string& key) { key_ = budget_ ? key : ""; }
  // Lets the slot outlive this reconcile (the move waits for the batcher); Adopt takes it back.
  void Keep() { key_.clear(); }

 private:
  MoveBudget* budget_;
  const std::function<void(const std::string&)>& wake_;
  std::string key_;
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_ASSIGNMENT_MOVE_SLOT_H_
