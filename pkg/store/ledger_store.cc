#include "pkg/store/ledger_store.h"

#include <array>

namespace x3ui::store {
namespace {

constexpr std::array<std::pair<MoveStep, const char*>, 6> kSteps = {{
    {MoveStep::kPlanned, "planned"},
    {MoveStep::kAddedOnTarget, "added-on-target"},
    {MoveStep::kSwitched, "switched"},
    {MoveStep::kRemovedFromSource, "removed-from-source"},
    {MoveStep::kDone, "done"},
    {MoveStep::kRolledBack, "rolled-back"},
}};

}  // namespace

const char* MoveStepName(MoveStep s) {
  for (const auto& [step, name] : kSteps) {
    if (step == s) return name;
  }
  return "unknown";
}

std::optional<MoveStep> ParseMoveStep(const std::string& s) {
  for (const auto& [step, name] : kSteps) {
    if (s == name) return step;
  }
  return std::nullopt;
}

}  // namespace x3ui::store
