// File: controller/flag_values.h
//
// The parsers of flag values the flag tables share: each sets *out, or returns InvalidArgument
// naming the flag (`name`, without its dashes) and saying what it accepts.
//
// Thread-safety: pure functions.
#ifndef X3UI_CONTROLLER_FLAG_VALUES_H_
#define X3UI_CONTROLLER_FLAG_VALUES_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkg/common/status.h"

namespace x3ui::controller {

[[nodiscard]] Status ParseIntFlag(const std::string& name, const std::string& v, int64_t lo, int64_t hi, int64_t* out);
// "true"/"1" or "false"/"0".
[[nodiscard]] Status ParseBoolFlag(const std::string& name, const std::string& v, bool* out);
// A finite number > 0.
[[nodiscard]] Status ParsePositiveFlag(const std::string& name, const std::string& v, double* out);
// A Go-style duration of at least `min`.
[[nodiscard]] Status ParseDurationFlag(const std::string& name, const std::string& v, std::chrono::milliseconds min,
                                       std::chrono::milliseconds* out);
[[nodiscard]] Status ParseOneOfFlag(const std::string& name, const std::string& v, const std::vector<std::string>& allowed,
                                    std::string* out);
// Comma-separated, empty items dropped.
std::vector<std::string> SplitCommaList(const std::string& v);

// Parses a Go-style duration ("1h2m3.5s", "250ms"); nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& s);
// "30s", "1m30s", "250ms".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_FLAG_VALUES_H_
