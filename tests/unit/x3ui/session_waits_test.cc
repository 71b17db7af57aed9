// No caller waits without a bound for another caller's work on the same panel: a login, an
// inbound listing or a change in progress, stuck on a panel that does not answer, makes the
// others fail with DeadlineExceeded (PanelBusy) after the wait limit instead of queueing behind
// it. The transport here holds chosen requests at a gate until the test opens it.
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "pkg/x3ui/session_pool.h"
#include "tests/unit/x3ui/fixtures.h"

namespace x3ui::panel {
namespace {

using namespace std::chrono_literals;

// A classic panel whose requests for the gated paths wait until Open().
class GatedTransport : public HttpTransport {
 public:
  explicit GatedTransport(std::set<std::string> gated) : gated_(std::move(gated)) {}
  ~GatedTransport() override { Open(); }

  Result<HttpResponse> Send(const HttpRequest& req) override {
    std::unique_lock<std::mutex> l(mu_);
    ++entered_[req.path];
    cv_.notify_all();
    if (gated_.count(req.path)) cv_.wait(l, [&] { return open_; });
    if (req.path == "csrf-token" || req.path == "panel/api/clients/list") return HttpResponse{404, {}, ""};
    if (req.path == "login") return HttpResponse{200, {{"set-cookie", "3x-ui=s1; Path=/"}}, testing::kF1};
    if (req.path == "panel/api/inbounds/list") return HttpResponse{200, {}, R"({"success":true,"msg":"","obj":[]})"};
    return HttpResponse{200, {}, testing::kF7};
  }
  // Waits (at most 10 s) until a request for `path` has reached the transport.
  bool Entered(const std::string& path) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, 10s, [&] { return entered_[path] > 0; });
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  const std::set<std::string> gated_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> entered_;
  bool open_ = false;
};

// Opens the gate however the test ends, so that a stuck caller is released before it is joined.
struct OpenOnExit {
  GatedTransport* t;
  ~OpenOnExit() { t->Open(); }
};

constexpr auto kWaitLimit = 200ms;
// Far above the wait limit: a caller still running then is queued behind the gate.
constexpr auto kLongEnough = 5s;

class SessionWaitsTest : public ::testing::Test {
 protected:
  std::shared_ptr<PanelSession> Make(std::set<std::string> gated) {
    auto t = std::make_unique<GatedTransport>(std::move(gated));
    transport_ = t.get();
    PanelOptions o{"http://127.0.0.1:1/base/", {"admin", "admin", ""}};
    o.wait_limit = kWaitLimit;
    return std::make_shared<PanelSession>("ns/node", std::make_unique<PanelClient>(o, std::move(t), &clock_));
  }
  template <typename F>
  static auto Async(F f) {
    return std::async(std::launch::async, std::move(f));
  }

  FakeClock clock_{TimePoint{} + 1000h};
  GatedTransport* transport_ = nullptr;
};

TEST_F(SessionWaitsTest, ACallerOfALoginInProgressGivesUpAtTheWaitLimit) {
  auto session = Make({"login"});
  std::future<Status> first, second;
  OpenOnExit release{transport_};  // before the futures' destructors wait for their callers
  first = Async([&] { return session->client().ListInbounds().status(); });
  ASSERT_TRUE(transport_->Entered("login"));
  second = Async([&] { return session->client().ListInbounds().status(); });
  ASSERT_EQ(second.wait_for(kLongEnough), std::future_status::ready) << "the second caller queues behind the login";
  Status s = second.get();
  EXPECT_EQ(s.code(), Status::Code::kDeadlineExceeded) << s.ToString();
  EXPECT_EQ(s.reason(), "PanelBusy");
  EXPECT_NE(first.wait_for(0s), std::future_status::ready) << "the login is still held at the gate";
  transport_->Open();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(session->client().ListInbounds().ok()) << "the login the first caller made is shared";
}

TEST_F(SessionWaitsTest, ACallerOfAListingInProgressGivesUpAtTheWaitLimit) {
  auto session = Make({"panel/api/inbounds/list"});
  std::future<Status> first, second;
  OpenOnExit release{transport_};  // before the futures' destructors wait for their callers
  first = Async([&] { return session->SharedListing(10s).status(); });
  ASSERT_TRUE(transport_->Entered("panel/api/inbounds/list"));
  second = Async([&] { return session->SharedListing(10s).status(); });
  ASSERT_EQ(second.wait_for(kLongEnough), std::future_status::ready) << "the second caller queues behind the listing";
  Status s = second.get();
  EXPECT_EQ(s.code(), Status::Code::kDeadlineExceeded) << s.ToString();
  EXPECT_EQ(s.reason(), "PanelBusy");
  transport_->Open();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(session->SharedListing(10s).ok()) << "the first caller's listing is kept for the others";
}

TEST_F(SessionWaitsTest, ACallerOfAChangeInProgressGivesUpAtTheWaitLimit) {
  auto session = Make({"panel/api/inbounds/1/delClient/00000000-0000-4000-8000-000000000001"});
  std::future<Status> first, change, add;
  OpenOnExit release{transport_};  // before the futures' destructors wait for their callers
  Inbound inbound;
  inbound.id = 1;
  inbound.protocol = "vless";
  Client client;
  client.id = "00000000-0000-4000-8000-000000000001";
  client.email = "alice";
  first = Async([&] { return session->Mutate([&](PanelClient& c) { return c.DeleteClient(inbound, client); }); });
  ASSERT_TRUE(transport_->Entered("panel/api/inbounds/1/delClient/00000000-0000-4000-8000-000000000001"));
  change = Async([&] { return session->Mutate([&](PanelClient& c) { return c.DeleteClient(inbound, client); }); });
  add = Async([&] { return session->AddClientsVerified(inbound, {client}); });
  ASSERT_EQ(change.wait_for(kLongEnough), std::future_status::ready) << "a change queues behind the one in progress";
  ASSERT_EQ(add.wait_for(kLongEnough), std::future_status::ready) << "an add queues behind the change in progress";
  EXPECT_EQ(change.get().reason(), "PanelBusy");
  EXPECT_EQ(add.get().reason(), "PanelBusy");
  transport_->Open();
  EXPECT_TRUE(first.get().ok());
}

}  // namespace
}  // namespace x3ui::panel
