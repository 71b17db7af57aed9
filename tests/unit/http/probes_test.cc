#include "pkg/http/probes.h"

#include <atomic>
#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/support/wait.h"

namespace x3ui::http {
namespace {

TEST(ProbeHandlerTest, HealthAndReadinessLikeControllerRuntime) {
  std::atomic<bool> synced{false};
  ProbeHandler p;
  p.AddHealthCheck("ping", [] { return Status::Ok(); });
  p.AddReadyCheck("informers", [&] { return synced ? Status::Ok() : Status::Unavailable("caches not synced"); });
  p.AddReadyCheck("ledger", [] { return Status::Ok(); });
  EXPECT_EQ(p.Handle({.method = "GET", .path = "/healthz"}).status, 200);
  EXPECT_EQ(p.Handle({.method = "GET", .path = "/healthz"}).body, "ok");
  Response r = p.Handle({.method = "GET", .path = "/readyz"});
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("[-]informers failed: caches not synced"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("[+]ledger ok"), std::string::npos) << r.body;
  EXPECT_EQ(p.Handle({.method = "GET", .path = "/readyz/ledger"}).status, 200);
  EXPECT_EQ(p.Handle({.method = "GET", .path = "/readyz/nope"}).status, 404);
  synced = true;
  EXPECT_EQ(p.Handle({.method = "GET", .path = "/readyz"}).status, 200);
  Response v = p.Handle({.method = "GET", .path = "/readyz", .query = "verbose"});
  EXPECT_EQ(v.status, 200);
  EXPECT_NE(v.body.find("[+]informers ok"), std::string::npos);
  EXPECT_EQ(p.Handle({.method = "GET", .path = "/metrics"}).status, 404);
}

TEST(ProbeHandlerTest, ServedOverHttp) {
  ProbeHandler p;
  p.AddHealthCheck("ping", [] { return Status::Ok(); });
  int port = testing::FreePort();
  HttpServer server(port, [&](const Request& r) { return p.Handle(r); });
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(std::system(("curl -fsS http://127.0.0.1:" + std::to_string(port) + "/healthz >/dev/null").c_str()), 0);
  server.Stop();
  EXPECT_NE(std::system(("curl -fsS --max-time 2 http://127.0.0.1:" + std::to_string(port) + "/healthz >/dev/null 2>&1").c_str()), 0)
      << "a stopped server refuses connections";
}

TEST(BindAddressTest, ControllerRuntimeForms) {
  EXPECT_EQ(*ParseBindAddress(":8080"), std::make_pair(std::string("0.0.0.0"), 8080));
  EXPECT_EQ(*ParseBindAddress("127.0.0.1:8081"), std::make_pair(std::string("127.0.0.1"), 8081));
  EXPECT_EQ(ParseBindAddress("0")->second, 0) << "disabled";
  EXPECT_FALSE(ParseBindAddress("8080").ok());
  EXPECT_FALSE(ParseBindAddress(":99999").ok());
  EXPECT_FALSE(ParseBindAddress(":http").ok());
}

}  // namespace
}  // namespace x3ui::http
