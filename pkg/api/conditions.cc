#include "pkg/api/conditions.h"

#include <algorithm>
#include <regex>

namespace x3ui::api {

bool SetCondition(std::vector<Condition>* conditions, Condition c, const std::string& now) {
  auto it = std::find_if(conditions->begin(), conditions->end(), [&](const Condition& x) { return x.type == c.type; });
  if (it == conditions->end()) {
    c.last_transition_time = now;
    conditions->push_back(std::move(c));
    return true;
  }
  c.last_transition_time = (it->status == c.status) ? it->last_transition_time : now;
  c.unknown = it->unknown;
  if (*it == c) return false;
  *it = std::move(c);
  return true;
}

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsConditionTrue(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = FindCondition(conditions, type);
  return c != nullptr && c->status == kConditionTrue;
}

bool RemoveCondition(std::vector<Condition>* conditions, std::string_view type) {
  auto n = std::erase_if(*conditions, [&](const Condition& c) { return c.type == type; });
  return n > 0;
}

FieldErrors ValidateCondition(const Condition& c, const std::string& path) {
  static const std::regex kType(kConditionTypePattern);
  static const std::regex kReason(kConditionReasonPattern);
  FieldErrors errs;
  if (c.type.empty() || c.type.size() > 316 || !std::regex_match(c.type, kType)) {
    errs.push_back({path + ".type", "must be a qualified name such as Ready, at most 316 characters"});
  }
  if (c.status != kConditionTrue && c.status != kConditionFalse && c.status != kConditionUnknown) {
    errs.push_back({path + ".status", "must be True, False or Unknown"});
  }
  if (c.reason.empty() || c.reason.size() > 1024 || !std::regex_match(c.reason, kReason)) {
    errs.push_back({path + ".reason", "must be a CamelCase token of 1-1024 characters"});
  }
  if (c.message.size() > 32768) errs.push_back({path + ".message", "must be at most 32768 bytes"});
  if (c.observed_generation < 0) errs.push_back({path + ".observedGeneration", "must be at least 0"});
  return errs;
}

}  // namespace x3ui::api
