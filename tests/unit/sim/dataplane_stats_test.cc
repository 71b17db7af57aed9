// Table tests of ParseUserTraffic over v2ctl's QueryStats output.
#include "tests/sim/dataplane_stats.h"

#include <gtest/gtest.h>

namespace x3ui::sim {
namespace {

struct Case {
  std::string name;
  std::string output;
  std::map<std::string, UserTraffic> want;
};

TEST(ParseUserTraffic, ReadsEachUsersCounters) {
  std::vector<Case> cases = {
      {"nothing counted yet", "", {}},
      {"uplink and downlink of two users",
       "stat: <\n  name: \"user>>>alice@x>>>traffic>>>uplink\"\n  value: 120\n>\n"
       "stat: <\n  name: \"user>>>alice@x>>>traffic>>>downlink\"\n  value: 4096\n>\n"
       "stat: <\n  name: \"user>>>Bob>>>traffic>>>downlink\"\n  value: 7\n>\n",
       {{"alice@x", {120, 4096}}, {"Bob", {0, 7}}}},
      {"a zero value left out of the block",
       "stat: <\n  name: \"user>>>carol>>>traffic>>>uplink\"\n>\n", {{"carol", {0, 0}}}},
      {"brace blocks and CRLF", "stat {\r\n  name: \"user>>>d>>>traffic>>>uplink\"\r\n  value: 5\r\n}\r\n", {{"d", {5, 0}}}},
      {"other counters and noise ignored",
       "V2Ray 4.34\nstat: <\n  name: \"inbound>>>api>>>traffic>>>uplink\"\n  value: 9\n>\n"
       "stat: <\n  name: \"user>>>e>>>online\"\n  value: 1\n>\n",
       {}},
      {"an email holding >>>", "stat: <\n  name: \"user>>>a>>>b>>>traffic>>>uplink\"\n  value: 3\n>\n", {{"a>>>b", {3, 0}}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseUserTraffic(c.output), c.want);
  }
}

}  // namespace
}  // namespace x3ui::sim
