// A panel that drips its replies' bodies (a byte every few tens of milliseconds, x3ui-sim's drip
// fault) never lets cpprestsdk's idle timeout fire, which restarts with every chunk read; the transport's total deadline ends each request,
// and the callers queued behind it on the same panel give up within the wait limit, while other
// panels answer as usual.
#include <future>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "pkg/x3ui/fenced_transport.h"
#include "pkg/x3ui/session_pool.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::panel {
namespace {

using x3ui::testing::FreePort;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

sim::Faults Drip(int ms) {
  sim::Faults f;
  f.drip_ms = ms;
  return f;
}

class DripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<sim::PanelConfig> panels;
    for (const char* name : {"slow", "fast"}) {
      sim::PanelConfig p;
      p.name = name;
      p.port = FreePort();
      p.inbounds = sim::DefaultInbounds(name);
      urls_.push_back("http://127.0.0.1:" + std::to_string(p.port) + "/");
      panels.push_back(p);
    }
    server_ = std::make_unique<sim::SimServer>(panels, FreePort());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  Result<HttpResponse> Login(const std::string& url, std::chrono::milliseconds timeout) {
    TransportOptions o;
    o.base_url = url;
    o.timeout = timeout;
    auto t = NewCppRestTransport(o);
    if (!t.ok()) return t.status();
    return (*t)->Send({"POST", "login", {{"Content-Type", "application/json"}}, R"({"username":"admin","password":"admin"})"});
  }
  PanelEndpoint Endpoint(const std::string& url, std::chrono::milliseconds timeout) {
    PanelEndpoint ep;
    ep.panel.url = url;
    ep.panel.credentials = {"admin", "admin", ""};
    ep.transport.timeout = timeout;
    return ep;
  }
  int64_t Requests(const std::string& name) {
    return server_->panel(name)->Describe()["counters"].value("requests", int64_t{0});
  }

  RealClock clock_;
  std::vector<std::string> urls_;  // slow, fast
  std::unique_ptr<sim::SimServer> server_;
};

TEST_F(DripTest, ADrippedReplyArrivesWholeWhenTheDeadlineAllows) {
  // The fault's reply is valid HTTP that merely takes long: each byte comes well within the idle
  // timeout, the whole body (~85 bytes) in over a second.
  ASSERT_TRUE(server_->SetFaults("slow", Drip(15)).ok());
  const auto start = Steady::now();
  Result<HttpResponse> r = Login(urls_[0], 20s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_GT(Steady::now() - start, 1s) << "the reply was not dripped";
}

TEST_F(DripTest, ADrippingReplyEndsAtTheTotalDeadline) {
  // The head at once, then ~85 one-byte chunks of body, one per 50 ms: some 4 s, never silent
  // for longer than 50 ms.
  ASSERT_TRUE(server_->SetFaults("slow", Drip(50)).ok());
  const auto start = Steady::now();
  Result<HttpResponse> r = Login(urls_[0], 500ms);
  const auto took = Steady::now() - start;
  ASSERT_FALSE(r.ok()) << "the whole dripped reply arrived";
  EXPECT_EQ(r.status().code(), Status::Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 3s) << "the request outlived its deadline";
}

TEST_F(DripTest, ADrippingPanelHoldsUpOnlyItsOwnCallersAndOnlyBriefly) {
  ASSERT_TRUE(server_->SetFaults("slow", Drip(50)).ok());
  PanelSessionPool pool(&clock_);
  auto slow = pool.Get("ns/slow", Endpoint(urls_[0], 500ms));
  auto fast = pool.Get("ns/fast", Endpoint(urls_[1], 5s));
  ASSERT_TRUE(slow.ok() && fast.ok());
  // Four workers on the dripping panel, as assignment workers sharing its listing.
  const auto start = Steady::now();
  std::vector<std::future<Status>> callers;
  for (int i = 0; i < 4; ++i) {
    callers.push_back(std::async(std::launch::async, [s = *slow] { return s->SharedListing(10s).status(); }));
  }
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return Requests("slow") > 0; })) << "no request reached the slow panel";
  // Meanwhile the other panel answers at once.
  const auto fast_start = Steady::now();
  Result<PanelSession::Listing> listed = (*fast)->SharedListing(10s);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_LT(Steady::now() - fast_start, 2s);
  // Every caller of the slow panel is done within its deadline and the wait limit (2 x 500 ms
  // + 1 s), far sooner than the panel's reply would take.
  for (auto& c : callers) {
    ASSERT_EQ(c.wait_until(start + 6s), std::future_status::ready) << "a caller of the dripping panel is still waiting";
    Status s = c.get();
    EXPECT_EQ(s.code(), Status::Code::kDeadlineExceeded) << s.ToString();
  }
}

TEST_F(DripTest, ARequestOnTheWireIsCanceledWhenTheLeadersFenceShuts) {
  // The lease's renew deadline passes 300 ms into a login whose reply takes over a second: the
  // request ends then, not at its 20 s timeout, so a replica whose leadership is in doubt has
  // nothing in flight towards the panel once a successor may start.
  ASSERT_TRUE(server_->SetFaults("slow", Drip(15)).ok());
  Fence fence;
  fence.OpenUntil(Steady::now() + 300ms);
  TransportOptions o;
  o.base_url = urls_[0];
  o.timeout = 20s;
  auto t = FencedTransports(NewCppRestTransport, &fence)(o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const auto start = Steady::now();
  Result<HttpResponse> r =
      (*t)->Send({"POST", "login", {{"Content-Type", "application/json"}}, R"({"username":"admin","password":"admin"})"});
  const auto took = Steady::now() - start;
  ASSERT_FALSE(r.ok()) << "the reply arrived whole after the fence shut";
  EXPECT_EQ(r.status().code(), Status::Code::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, 1s) << "the request outlived the fence";
}

}  // namespace
}  // namespace x3ui::panel
