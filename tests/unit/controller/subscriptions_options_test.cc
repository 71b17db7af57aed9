// The subscription server's flags: its defaults, each flag in both spellings, and every
// malformed value refused with an error naming the flag.
#include "controller/subscriptions_options.h"

#include <gtest/gtest.h>

namespace x3ui::controller {
namespace {

TEST(SubscriptionsOptionsTest, DefaultsServeEveryNamespaceWithMetricsOnLoopback) {
  auto o = ParseSubscriptionsOptions({});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->server.namespaces.empty());
  EXPECT_EQ(o->server.listen_address, ":8090");
  EXPECT_EQ(o->server.metrics_bind_address, "127.0.0.1:8083");
  EXPECT_EQ(o->server.rate_per_second, 1);
  EXPECT_EQ(o->server.rate_burst, 20);
  EXPECT_EQ(o->server.render.update_interval_hours, 12);
  EXPECT_FALSE(o->show_help);
}

TEST(SubscriptionsOptionsTest, EachFlagSetsItsField) {
  auto o = ParseSubscriptionsOptions({"--namespaces=vpn,,eu", "--listen-address", "127.0.0.1:9000", "--metrics-bind-address=0",
                                      "--rate-per-second=2.5", "--rate-burst", "40", "--update-interval-hours=6",
                                      "--log-level=debug", "--log-format=json", "--kubeconfig=/k", "--help",
                                      "--tls-cert-file=/tls/tls.crt", "--tls-key-file", "/tls/tls.key"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->server.namespaces, (std::vector<std::string>{"vpn", "eu"}));
  EXPECT_EQ(o->server.listen_address, "127.0.0.1:9000");
  EXPECT_EQ(o->server.metrics_bind_address, "0");
  EXPECT_EQ(o->server.rate_per_second, 2.5);
  EXPECT_EQ(o->server.rate_burst, 40);
  EXPECT_EQ(o->server.render.update_interval_hours, 6);
  EXPECT_EQ(o->log_level, "debug");
  EXPECT_EQ(o->log_format, "json");
  EXPECT_EQ(o->kubeconfig, "/k");
  EXPECT_TRUE(o->show_help);
  EXPECT_EQ(o->server.tls_cert_file, "/tls/tls.crt");
  EXPECT_EQ(o->server.tls_key_file, "/tls/tls.key");
}

TEST(SubscriptionsOptionsTest, MalformedFlagsAreRefusedNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--rate-per-second=0"}, "--rate-per-second: must be a positive number"},
      {{"--rate-per-second=fast"}, "--rate-per-second: must be a positive number"},
      {{"--rate-burst=0.5"}, "--rate-burst: must be at least 1"},
      {{"--update-interval-hours=0"}, "--update-interval-hours: must be between 1 and"},
      {{"--log-format=xml"}, "--log-format: must be one of text, json"},
      {{"--listen-address"}, "--listen-address: needs a value"},
      {{"--token=abc"}, "unknown flag --token (see --help)"},
      {{"serve"}, "unexpected argument \"serve\""},
      {{"--trusted-proxies=*.example.com"}, "--trusted-proxies: \"*.example.com\" is not an IP address or CIDR block"},
      {{"--trusted-proxies=10.0.0.0/99"}, "--trusted-proxies: "},
      {{"--tls-cert-file=/tls/tls.crt"}, "--tls-cert-file and --tls-key-file: set both (TLS) or neither"},
      {{"--tls-key-file=/tls/tls.key"}, "--tls-cert-file and --tls-key-file: set both (TLS) or neither"},
  };
  for (const Case& c : cases) {
    auto o = ParseSubscriptionsOptions(c.args);
    ASSERT_FALSE(o.ok()) << c.args[0];
    EXPECT_NE(o.status().message().find(c.error), std::string::npos) << c.args[0] << ": " << o.status().message();
  }
}

TEST(SubscriptionsOptionsTest, TrustedProxiesAreAddressesAndBlocks) {
  auto o = ParseSubscriptionsOptions({"--trusted-proxies=10.0.0.0/8, 192.0.2.7,fd00::/8"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  const auto& trusted = o->server.is_trusted_proxy;
  ASSERT_TRUE(trusted);
  EXPECT_TRUE(trusted("10.1.2.3"));
  EXPECT_TRUE(trusted("192.0.2.7"));
  EXPECT_TRUE(trusted("fd00::1"));
  EXPECT_FALSE(trusted("192.0.2.8"));
  EXPECT_FALSE(trusted("not-an-ip"));
  EXPECT_FALSE(ParseSubscriptionsOptions({})->server.is_trusted_proxy);
}

TEST(SubscriptionsOptionsTest, UsageListsEveryFlag) {
  const std::string usage = SubscriptionsUsage();
  for (const char* flag : {"--namespaces", "--listen-address", "--metrics-bind-address", "--rate-per-second", "--rate-burst",
                           "--update-interval-hours", "--trusted-proxies", "--log-level", "--log-format", "--kubeconfig", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace x3ui::controller
