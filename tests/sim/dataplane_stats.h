// File: tests/sim/dataplane_stats.h
//
// ParseUserTraffic: per-client byte counts from the output of
//   v2ctl api --server=127.0.0.1:PORT StatsService.QueryStats 'pattern: "user>>>" reset: true'
// which prints protobuf text, one block per counter:
//   stat: <
//     name: "user>>>alice@example.com>>>traffic>>>uplink"
//     value: 1234
//   >
// A counter appears only once its user has passed traffic, and a zero value may be left out.
// Lines that are no such counter are ignored.
//
// A pure function. Thread-safety: safe to call from any thread.
#ifndef X3UI_TESTS_SIM_DATAPLANE_STATS_H_
#define X3UI_TESTS_SIM_DATAPLANE_STATS_H_

#include <cstdint>
#include <map>
#include <string>

namespace x3ui::sim {

struct UserTraffic {
  int64_t up = 0;
  int64_t down = 0;
  bool operator==(const UserTraffic&) const = default;
};

// Email (as v2ray reports it) -> bytes since the last reset.
std::map<std::string, UserTraffic> ParseUserTraffic(const std::string& query_stats_output);

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_DATAPLANE_STATS_H_
