#include "controller/options.h"

#include <gtest/gtest.h>

namespace x3ui::controller {
namespace {

using namespace std::chrono_literals;

Result<Options> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "x3ui-operator");
  return ParseOptions(args);
}

TEST(OptionsTest, DefaultsFollowControllerRuntime) {
  auto o = Parse({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->health_probe_bind_address, ":8081");
  EXPECT_FALSE(o->leader_elect);
  EXPECT_EQ(o->log_format, "text");
}

// /metrics is plain HTTP without authentication: by default only the pod itself reaches it.
TEST(OptionsTest, MetricsBindToLoopbackByDefault) {
  auto o = Parse({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->metrics_bind_address, "127.0.0.1:8080");
  EXPECT_EQ(Parse({"--metrics-bind-address=:8080"})->metrics_bind_address, ":8080");
  // The fleet console is unauthenticated too: loopback by default, reached by port-forward.
  EXPECT_EQ(o->dashboard_bind_address, "127.0.0.1:8082");
  EXPECT_EQ(Parse({"--dashboard-bind-address=0"})->dashboard_bind_address, "0");
}

TEST(OptionsTest, PanelHostListsAreParsed) {
  auto o = Parse({"--panel-host-allow=*.example.com, 10.0.0.0/8", "--panel-host-deny", "169.254.0.0/16"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_EQ(o->panel_host_allow.size(), 2u);
  EXPECT_EQ(o->panel_host_allow[0].glob, "*.example.com");
  EXPECT_EQ(o->panel_host_allow[1].prefix_length, 8);
  ASSERT_EQ(o->panel_host_deny.size(), 1u);
  EXPECT_FALSE(o->PanelHosts().allows_all());
  EXPECT_TRUE(o->PanelHosts().Check("10.1.2.3").ok());  // an address: nothing to resolve
  EXPECT_EQ(o->PanelHosts().Check("169.254.169.254").reason(), "PanelHostRefused");
  EXPECT_NE(o->Describe().find("panel-host-allow: *.example.com,10.0.0.0/8"), std::string::npos) << o->Describe();
  auto none = Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->PanelHosts().allows_all());
}

// Insecure panels are used (with a condition and an Event) unless --refuse-insecure-panels.
TEST(OptionsTest, RefuseInsecurePanelsIsOffByDefaultAndReachesThePolicy) {
  auto none = Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->refuse_insecure_panels);
  EXPECT_FALSE(none->PanelHosts().refuses_insecure_transport());
  EXPECT_NE(none->Describe().find("refuse-insecure-panels: false"), std::string::npos) << none->Describe();
  for (auto args : {std::vector<std::string>{"--refuse-insecure-panels"}, std::vector<std::string>{"--refuse-insecure-panels=true"}}) {
    auto o = Parse(args);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    EXPECT_TRUE(o->refuse_insecure_panels);
    EXPECT_TRUE(o->PanelHosts().refuses_insecure_transport());
    EXPECT_TRUE(o->PanelHosts().allows_all()) << "the host lists are untouched";
  }
  EXPECT_FALSE(Parse({"--refuse-insecure-panels=maybe"}).ok());
  EXPECT_NE(Usage().find("--refuse-insecure-panels"), std::string::npos);
}

// The token is appended to --subscription-base-url, so it must end in "/" (added when missing).
TEST(OptionsTest, SubscriptionBaseUrlTable) {
  struct Case {
    std::string arg;
    bool ok;
    std::string want;
  };
  const Case cases[] = {
      {"https://sub.example.com/sub/", true, "https://sub.example.com/sub/"},
      {"https://sub.example.com/sub", true, "https://sub.example.com/sub/"},
      {"http://127.0.0.1:8443/sub/", true, "http://127.0.0.1:8443/sub/"},
      {"", true, ""},
      {"sub.example.com/sub/", false, ""},
      {"https://sub.example.com/sub/?x=1", false, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.arg);
    auto o = Parse({"--subscription-base-url=" + c.arg});
    ASSERT_EQ(o.ok(), c.ok);
    if (c.ok) {
      EXPECT_EQ(o->subscription_base_url, c.want);
    }
  }
  EXPECT_EQ(Parse({})->subscription_base_url, "");
}

TEST(OptionsTest, ParsesEveryForm) {
  auto o = Parse({"--leader-elect", "--namespace", "vpn", "--log-format=json", "--kube-api-qps=50.5",
                  "--max-concurrent-reconciles", "8", "--probe-interval=15s", "--failover-grace=1m30s",
                  "--disruption-budget=100", "--database-url=postgres://x3ui@db/x3ui", "-log-level=debug"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->leader_elect);
  EXPECT_EQ(o->namespace_, "vpn");
  EXPECT_EQ(o->log_format, "json");
  EXPECT_DOUBLE_EQ(o->kube_api_qps, 50.5);
  EXPECT_EQ(o->max_concurrent_reconciles, 8);
  EXPECT_EQ(o->probe_interval, 15s);
  EXPECT_EQ(o->failover_grace, 90s);
  EXPECT_EQ(o->disruption_budget, 100);
  EXPECT_EQ(o->log_level, "debug");
}

struct BadCase {
  const char* name;
  std::vector<std::string> args;
  const char* want;
};

// Keeps test names readable in CTest instead of a byte dump.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadOptionsTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadOptionsTest, ClearError) {
  auto o = Parse(GetParam().args);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadOptionsTest,
    ::testing::Values(BadCase{"Unknown", {"--frobnicate"}, "unknown flag --frobnicate (see --help)"},
                      BadCase{"MissingValue", {"--namespace"}, "--namespace: needs a value"},
                      BadCase{"BadFormat", {"--log-format=xml"}, "--log-format: must be one of text, json, got \"xml\""},
                      BadCase{"BadInt", {"--disruption-budget=lots"}, "--disruption-budget: must be an integer, got \"lots\""},
                      BadCase{"OutOfRange", {"--max-concurrent-reconciles=0"},
                              "--max-concurrent-reconciles: must be between 1 and 1000, got 0"},
                      BadCase{"BadDuration", {"--probe-interval=soon"},
                              "--probe-interval: must be a duration such as 30s or 5m, got \"soon\""},
                      BadCase{"TooShort", {"--probe-interval=100ms"}, "--probe-interval: must be at least 1s"},
                      BadCase{"BadBool", {"--leader-elect=perhaps"}, "--leader-elect: must be true or false, got \"perhaps\""},
                      BadCase{"BadQps", {"--kube-api-qps=-1"}, "--kube-api-qps: must be a positive number, got \"-1\""},
                      BadCase{"Positional", {"run"}, "unexpected argument \"run\"; flags start with --"},
                      BadCase{"BadCidr", {"--panel-host-deny=10.0.0.0/40"},
                              "--panel-host-deny: \"10.0.0.0/40\" is not a CIDR block such as 10.0.0.0/8 or fd00::/8"},
                      BadCase{"HostWithPort", {"--panel-host-allow=panel.example.com:2053"},
                              "--panel-host-allow: \"panel.example.com:2053\" is neither a host glob (letters, digits, '-', "
                              "'.', '*': *.example.com) nor an IP address or CIDR block (10.0.0.0/8)"},
                      BadCase{"EmptyHostPattern", {"--panel-host-allow=a.example.com,,b.example.com"},
                              "--panel-host-allow: an empty pattern (two commas in a row, or a trailing comma)"}),
    [](const auto& info) { return info.param.name; });

TEST(DurationTest, GoStyle) {
  EXPECT_EQ(ParseDuration("250ms"), 250ms);
  EXPECT_EQ(ParseDuration("1h2m3s"), 3723s);
  EXPECT_EQ(ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(ParseDuration("0"), 0ms);
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("5").has_value());
  EXPECT_FALSE(ParseDuration("-5s").has_value());
  EXPECT_FALSE(ParseDuration("5s junk").has_value());
  EXPECT_EQ(FormatDuration(90s), "1m30s");
  EXPECT_EQ(FormatDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatDuration(61050ms), "1m1.05s");
  EXPECT_EQ(FormatDuration(250ms), "250ms");
  EXPECT_EQ(FormatDuration(0ms), "0s");
}

TEST(OptionsTest, DescribeRedactsDatabasePassword) {
  auto o = Parse({"--database-url=postgres://x3ui:s3cret@db/x3ui"});
  ASSERT_TRUE(o.ok());
  std::string d = o->Describe();
  EXPECT_EQ(d.find("s3cret"), std::string::npos) << d;
  EXPECT_NE(d.find("database-url: host=db dbname=x3ui user=x3ui\n"), std::string::npos) << d;
}

}  // namespace
}  // namespace x3ui::controller
