#include "controller/flag_values.h"

#include <cmath>
#include <regex>
#include <stdexcept>

#include "pkg/common/strings.h"

namespace x3ui::controller {

Status ParseIntFlag(const std::string& name, const std::string& v, int64_t lo, int64_t hi, int64_t* out) {
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used, 10);
    if (used != v.size()) throw std::invalid_argument(v);
    if (x < lo || x > hi) {
      return Status::InvalidArgument("--" + name + ": must be between " + std::to_string(lo) + " and " +
                                     std::to_string(hi) + ", got " + v);
    }
    *out = x;
    return Status::Ok();
  } catch (const std::exception&) {
    return Status::InvalidArgument("--" + name + ": must be an integer, got \"" + v + "\"");
  }
}

Status ParseBoolFlag(const std::string& name, const std::string& v, bool* out) {
  if (v == "true" || v == "1") {
    *out = true;
  } else if (v == "false" || v == "0") {
    *out = false;
  } else {
    return Status::InvalidArgument("--" + name + ": must be true or false, got \"" + v + "\"");
  }
  return Status::Ok();
}

Status ParsePositiveFlag(const std::string& flag, const std::string& v, double* out) {
  try {
    size_t used = 0;
    double q = std::stod(v, &used);
    if (used != v.size() || !std::isfinite(q) || q <= 0) throw std::invalid_argument(v);
    *out = q;
    return Status::Ok();
  } catch (const std::exception&) {
    return Status::InvalidArgument("--" + flag + ": must be a positive number, got \"" + v + "\"");
  }
}

Status ParseDurationFlag(const std::string& name, const std::string& v, std::chrono::milliseconds min,
                         std::chrono::milliseconds* out) {
  auto d = ParseDuration(v);
  if (!d) return Status::InvalidArgument("--" + name + ": must be a duration such as 30s or 5m, got \"" + v + "\"");
  if (*d < min) return Status::InvalidArgument("--" + name + ": must be at least " + FormatDuration(min));
  *out = *d;
  return Status::Ok();
}

Status ParseOneOfFlag(const std::string& name, const std::string& v, const std::vector<std::string>& allowed,
                      std::string* out) {
  for (const auto& a : allowed) {
    if (v == a) {
      *out = v;
      return Status::Ok();
    }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Status::InvalidArgument("--" + name + ": must be one of " + list + ", got \"" + v + "\"");
}

std::vector<std::string> SplitCommaList(const std::string& v) {
  std::vector<std::string> out;
  for (std::string& part : SplitOn(v, ',')) {
    if (!part.empty()) out.push_back(std::move(part));
  }
  return out;
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& s) {
  static const std::regex kPart(R"(([0-9]+(?:\.[0-9]+)?)(ms|h|m|s))");
  if (s.empty()) return std::nullopt;
  if (s == "0") return std::chrono::milliseconds(0);
  double total_ms = 0;
  size_t pos = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kPart); it != std::sregex_iterator(); ++it) {
    if (static_cast<size_t>(it->position()) != pos) return std::nullopt;
    double n = std::stod((*it)[1]);
    std::string unit = (*it)[2];
    total_ms += n * (unit == "h" ? 3600000.0 : unit == "m" ? 60000.0 : unit == "s" ? 1000.0 : 1.0);
    pos += it->length();
  }
  if (pos != s.size() || total_ms > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms >= 3600000) {
    out += std::to_string(ms / 3600000) + "h";
    ms %= 3600000;
  }
  if (ms >= 60000) {
    out += std::to_string(ms / 60000) + "m";
    ms %= 60000;
  }
  if (ms >= 1000) {  // Go prints seconds with a fraction: 1.5s
    // "1xyz" with its leading 1 made the point: ".xyz" (not "." + string, on which GCC 12 at -O3
    // warns a false -Wrestrict, an error in the Release build).
    std::string frac;
    if (ms % 1000) {
      frac = std::to_string(1000 + ms % 1000);
      frac[0] = '.';
    }
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out += std::to_string(ms / 1000) + frac + "s";
  } else if (ms > 0) {
    out += std::to_string(ms) + "ms";
  }
  return out;
}

}  // namespace x3ui::controller
