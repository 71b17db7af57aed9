// File: pkg/api/conditions.h
//
// metav1.Condition helpers with the semantics of apimachinery's meta.SetStatusCondition:
// lastTransitionTime moves only when `status` changes; reason, message and observedGeneration are
// updated in place. Every function reports whether it changed anything, so a reconciler can skip
// a status write when nothing a user would see has changed.
//
// Thread-safety: pure functions over caller-owned vectors.
#ifndef X3UI_PKG_API_CONDITIONS_H_
#define X3UI_PKG_API_CONDITIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/types.h"
#include "pkg/common/status.h"

namespace x3ui::api {

// metav1.Condition's patterns (the CRDs carry the same strings).
inline constexpr char kConditionTypePattern[] =
    R"(^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$)";
inline constexpr char kConditionReasonPattern[] = R"(^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$)";

// Adds or updates the condition of type `c.type`. `now` (RFC 3339) becomes its lastTransitionTime
// when the condition is new or its status changed; otherwise the old time is kept whatever
// `c.last_transition_time` says. Returns true when the stored list changed.
bool SetCondition(std::vector<Condition>* conditions, Condition c, const std::string& now);

// A condition with status True or False (as `ok` says), for SetCondition.
inline Condition MakeCondition(const char* type, bool ok, const std::string& reason, const std::string& message,
                               int64_t observed_generation) {
  return Condition{.type = type, .status = ok ? kConditionTrue : kConditionFalse,
                   .observed_generation = observed_generation, .reason = reason, .message = message};
}

// Returns the condition of `type`, or nullptr. The pointer is valid until `conditions` changes.
const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type);

// True when the condition exists with status "True".
bool IsConditionTrue(const std::vector<Condition>& conditions, std::string_view type);

// Removes the condition of `type`; returns true when one was removed.
bool RemoveCondition(std::vector<Condition>* conditions, std::string_view type);

// Checks one condition against metav1.Condition's rules (type CamelCase, status enum, reason
// pattern and length, message size). Paths are relative to `path`.
FieldErrors ValidateCondition(const Condition& c, const std::string& path);

}  // namespace x3ui::api

#endif  // X3UI_PKG_API_CONDITIONS_H_
