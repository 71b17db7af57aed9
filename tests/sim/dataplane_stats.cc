#include "tests/sim/dataplane_stats.h"

#include <cstdlib>
#include <sstream>

namespace x3ui::sim {
namespace {

std::string Trimmed(const std::string& s) {
  size_t first = s.find_first_not_of(" \t");
  size_t last = s.find_last_not_of(" \t\r");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

// Adds one counter "user>>>EMAIL>>>traffic>>>uplink|downlink" to `out`; others are ignored.
void AddCounter(const std::string& name, int64_t value, std::map<std::string, UserTraffic>* out) {
  static const std::string kPrefix = "user>>>", kUp = ">>>traffic>>>uplink", kDown = ">>>traffic>>>downlink";
  if (name.rfind(kPrefix, 0) != 0) return;
  auto ends_with = [&](const std::string& suffix) {
    return name.size() >= kPrefix.size() + suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  bool up = ends_with(kUp);
  if (!up && !ends_with(kDown)) return;
  const std::string& suffix = up ? kUp : kDown;
  std::string email = name.substr(kPrefix.size(), name.size() - kPrefix.size() - suffix.size());
  (up ? (*out)[email].up : (*out)[email].down) += value;
}

}  // namespace

std::map<std::string, UserTraffic> ParseUserTraffic(const std::string& query_stats_output) {
  std::map<std::string, UserTraffic> out;
  std::istringstream lines(query_stats_output);
  std::string raw, name;
  bool in_block = false;
  int64_t value = 0;
  while (std::getline(lines, raw)) {
    std::string line = Trimmed(raw);
    if (line == "stat: <" || line == "stat {" || line == "stat: {") {
      in_block = true;
      name.clear();
      value = 0;
    } else if (in_block && line.rfind("name:", 0) == 0) {
      std::string quoted = Trimmed(line.substr(5));
      if (quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"') name = quoted.substr(1, quoted.size() - 2);
    } else if (in_block && line.rfind("value:", 0) == 0) {
      value = std::strtoll(line.c_str() + 6, nullptr, 10);
    } else if (in_block && (line == ">" || line == "}")) {
      AddCounter(name, value, &out);
      in_block = false;
    }
  }
  return out;
}

}  // namespace x3ui::sim
