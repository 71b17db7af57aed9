// Leader election between two real processes against the real kube-apiserver: one leads, the
// other takes over within the lease duration after the leader is killed with SIGKILL, and the two
// never lead at once. Plus the algorithm's details against the fake with a fake clock.
#include "pkg/kube/leader_election.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pkg/common/mutex.h"
#include "pkg/kube/config.h"
#include "pkg/kube/fake_client.h"
#include "pkg/kube/request_deadline.h"
#include "pkg/kube/rest_client.h"
#include "tests/integration/kube/kube_test_support.h"
#include "tests/integration/store/tcp_proxy.h"
#include "tests/support/wait.h"

namespace x3ui::kube {
namespace {

using namespace std::chrono_literals;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::string& out, const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::freopen(out.c_str(), "w", stdout);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

TEST(LeaderElectionTest, TwoProcessesOneLeaderAndTakeoverAfterSigkill) {
  RealClock clock;
  auto client = testing::RealClient(&clock);
  ASSERT_NE(client, nullptr) << "run through ctest";
  std::string ns = "lease-" + std::to_string(::getpid());
  ASSERT_TRUE(client->Create(kNamespaces, "", {{"metadata", {{"name", ns}}}}).ok());
  std::string kubeconfig = x3ui::testing::ReadEnvFile(testing::ControlPlaneEnv(), "KUBECONFIG");
  std::string helper = (std::filesystem::path(::program_invocation_name).parent_path() / "leader_helper").string();
  std::string dir = std::filesystem::temp_directory_path() / ("x3ui-lease-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  pid_t a = Spawn(dir + "/a.out", {helper, kubeconfig, ns, "operator", "candidate-a"});
  pid_t b = Spawn(dir + "/b.out", {helper, kubeconfig, ns, "operator", "candidate-b"});
  auto leading = [&](const std::string& who) { return Slurp(dir + "/" + who + ".out").find("LEADING") != std::string::npos; };
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return leading("a") || leading("b"); }, 20s));
  bool a_leads = leading("a");
  EXPECT_NE(a_leads, leading("b")) << "exactly one leader";
  pid_t leader = a_leads ? a : b, follower = a_leads ? b : a;
  std::string follower_name = a_leads ? "b" : "a";
  // Hold a while: the follower must stay a follower while the leader renews.
  std::this_thread::sleep_for(4s);  // longer than the lease: renewals are what keep it
  EXPECT_FALSE(leading(follower_name)) << "never two leaders";
  auto killed = std::chrono::steady_clock::now();
  ::kill(leader, SIGKILL);
  ::waitpid(leader, nullptr, 0);
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return leading(follower_name); }, 20s));
  auto takeover = std::chrono::steady_clock::now() - killed;
  // Lease 3 s as measured since the follower last saw the record change, plus one retry (0.4 s).
  EXPECT_LT(takeover, 3s + 400ms + 1500ms) << "took " << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count() << " ms";
  RecordProperty("takeover_ms", std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count());
  ::kill(follower, SIGTERM);  // releases the lease
  ::waitpid(follower, nullptr, 0);
  EXPECT_NE(Slurp(dir + "/" + follower_name + ".out").find("STOPPED"), std::string::npos);
  Result<Json> lease = client->Get(kLeases, ns, "operator");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"].value("holderIdentity", "x"), "") << "released on shutdown";
  EXPECT_EQ((*lease)["spec"].value("leaseTransitions", 0), 1);
  std::filesystem::remove_all(dir);
  (void)client->Delete(kNamespaces, "", ns);
}

// Ends a candidate's Run on every way out of a test, failed assertions included: sets `*stop`
// (and whatever `release` says), then joins the thread running it.
struct JoinOnExit {
  std::atomic<bool>* stop;
  std::thread* run;
  std::function<void()> release = nullptr;
  ~JoinOnExit() {
    stop->store(true);
    if (release) release();
    if (run->joinable()) run->join();
  }
};

// The leader's API server stops answering (a black-holed link, the client's own timeout 30 s):
// leadership ends at the renew deadline, not when a renewal's request gives up. The fence shuts
// at the deadline by itself, and the elector reports the loss right after, because each renewal
// request is bounded by what is left of the renew deadline.
TEST(LeaderElectionTest, ABlackHoledApiServerEndsLeadershipAtTheRenewDeadline) {
  RealClock clock;
  auto admin = testing::RealClient(&clock);
  ASSERT_NE(admin, nullptr) << "run through ctest";
  std::string ns = "lease-bh-" + std::to_string(::getpid());
  ASSERT_TRUE(admin->Create(kNamespaces, "", {{"metadata", {{"name", ns}}}}).ok());
  Result<RestConfig> cfg = LoadKubeconfig(x3ui::testing::ReadEnvFile(testing::ControlPlaneEnv(), "KUBECONFIG"));
  ASSERT_TRUE(cfg.ok());
  ASSERT_EQ(cfg->timeout, 30s) << "the client's own timeout is far longer than the renew deadline";
  const std::string server = cfg->server;  // https://127.0.0.1:PORT
  const int port = std::stoi(server.substr(server.rfind(':') + 1));
  x3ui::testing::TcpProxy proxy("127.0.0.1", port);
  cfg->server = server.substr(0, server.rfind(':') + 1) + std::to_string(proxy.port());
  auto client = std::move(RestClient::New(*cfg, &clock)).value();

  Fence fence;
  LeaderElectionConfig c{ns, "operator", "candidate-bh", 3000ms, 2000ms, 400ms};
  c.fence = &fence;
  auto elector = std::move(LeaderElector::New(client.get(), c, &clock)).value();
  std::atomic<bool> stop{false}, lead_running{false};
  std::atomic<int64_t> lost_at_ns{0};
  std::thread run([&] {
    elector->Run(
        [&] {
          lead_running = true;
          while (!stop.load() && lost_at_ns.load() == 0) std::this_thread::sleep_for(10ms);
        },
        [&] { lost_at_ns = std::chrono::steady_clock::now().time_since_epoch().count(); }, &stop);
  });
  JoinOnExit join{&stop, &run};
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return lead_running.load() && elector->IsLeader(); }, 20s));
  // Wait for a renewal to have just succeeded, then black-hole the link it uses.
  const auto before = fence.open_until();
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return fence.open_until() > before; }, 5s));
  const auto held_until = fence.open_until();
  proxy.FreezeOpenLinks();
  ASSERT_TRUE(proxy.WaitForDroppedBytes(5s)) << "the next renewal went into the black hole";
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return !elector->IsLeader(); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now(), held_until) << "not before the deadline either";
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return lost_at_ns.load() != 0; }, 10s))
      << "a renewal still waiting for the API server must be cut at the renew deadline";
  const auto lost_at = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(lost_at_ns.load()));
  EXPECT_LT(lost_at - held_until, 1s) << "reported "
                                      << std::chrono::duration_cast<std::chrono::milliseconds>(lost_at - held_until).count()
                                      << " ms after the deadline";
  EXPECT_FALSE(fence.IsOpen());
  proxy.CloseFrozenLinks();
  (void)admin->Delete(kNamespaces, "", ns);
}

// On shutdown the leader keeps the Lease, renewing it, for as long as its work takes to stop,
// and releases it only then; the fence stays open until the work has stopped.
TEST(LeaderElectionAlgorithmTest, ReleasesOnlyAfterTheWorkStopped) {
  RealClock clock;
  FakeKubeClient fake(&clock);
  Fence fence;
  LeaderElectionConfig c{"ns", "lock", "a", 600ms, 400ms, 100ms};
  c.fence = &fence;
  auto elector = std::move(LeaderElector::New(&fake, c, &clock)).value();
  std::atomic<bool> stop{false}, stopping{false}, finish{false}, lost{false};
  auto holder = [&] { return fake.Get(kLeases, "ns", "lock").value()["spec"].value("holderIdentity", ""); };
  auto renewed = [&] { return fake.Get(kLeases, "ns", "lock").value()["spec"].value("renewTime", ""); };
  std::atomic<bool> released{false};
  std::thread run([&] {
    released = elector->Run(
        [&] {
          while (!stop.load()) std::this_thread::sleep_for(5ms);
          stopping = true;
          while (!finish.load()) std::this_thread::sleep_for(5ms);  // the controllers draining
        },
        [&] { lost = true; }, &stop);
  });
  JoinOnExit join{&stop, &run, [&] { finish = true; }};
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return elector->IsLeader(); }, 5s));
  stop = true;
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return stopping.load(); }, 5s));
  // Longer than the lease while the work drains: renewals keep it.
  const std::string first = renewed();
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return renewed() != first; }, 5s));
  const std::string second = renewed();
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return renewed() != second; }, 5s));
  EXPECT_EQ(holder(), "a") << "not released while the work still runs";
  EXPECT_TRUE(fence.IsOpen());
  finish = true;
  run.join();  // Run returns once the work did
  EXPECT_TRUE(released.load());
  EXPECT_FALSE(lost.load());
  EXPECT_EQ(holder(), "") << "released once the work stopped";
  EXPECT_FALSE(fence.IsOpen());
}

// Every request of a renewal carries a deadline no later than the renew deadline after the last
// successful renewal began (what RestClient enforces, ABlackHoledApiServer... above).
class DeadlineRecordingClient final : public KubeClient {
 public:
  explicit DeadlineRecordingClient(const Clock* clock) : fake_(clock) {}
  Result<Json> Get(const Resource& r, const std::string& ns, const std::string& name) override {
    Record();
    return fake_.Get(r, ns, name);
  }
  Result<ObjectList> List(const Resource& r, const std::string& ns, const ListOptions& o) override {
    Record();
    return fake_.List(r, ns, o);
  }
  Result<Json> Create(const Resource& r, const std::string& ns, const Json& obj) override {
    Record();
    return fake_.Create(r, ns, obj);
  }
  Result<Json> Update(const Resource& r, const std::string& ns, const Json& obj) override {
    Record();
    return fake_.Update(r, ns, obj);
  }
  Result<Json> UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) override {
    Record();
    return fake_.UpdateStatus(r, ns, obj);
  }
  Result<Json> Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                     const Json& patch, bool status_subresource) override {
    Record();
    return fake_.Patch(r, ns, name, type, patch, status_subresource);
  }
  Status Delete(const Resource& r, const std::string& ns, const std::string& name) override {
    Record();
    return fake_.Delete(r, ns, name);
  }
  Status Watch(const Resource& r, const std::string& ns, const WatchOptions& o,
               const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) override {
    return fake_.Watch(r, ns, o, on_event, stop);
  }
  std::vector<std::pair<SteadyTime, std::optional<SteadyTime>>> calls() {
    MutexLock l(mu_);
    return calls_;
  }

 private:
  void Record() {
    MutexLock l(mu_);
    calls_.emplace_back(std::chrono::steady_clock::now(), CurrentRequestDeadline());
  }
  FakeKubeClient fake_;
  Mutex mu_;
  std::vector<std::pair<SteadyTime, std::optional<SteadyTime>>> calls_ GUARDED_BY(mu_);
};

TEST(LeaderElectionAlgorithmTest, EveryRenewalRequestIsBoundedByTheRenewDeadline) {
  RealClock clock;
  DeadlineRecordingClient fake(&clock);
  LeaderElectionConfig c{"ns", "lock", "a", 600ms, 400ms, 100ms};
  auto elector = std::move(LeaderElector::New(&fake, c, &clock)).value();
  std::atomic<bool> stop{false};
  std::thread run([&] { elector->Run([&] { while (!stop.load()) std::this_thread::sleep_for(5ms); }, nullptr, &stop); });
  {
    JoinOnExit join{&stop, &run};
    ASSERT_TRUE(x3ui::testing::Eventually([&] { return fake.calls().size() >= 10; }, 5s));
  }
  for (const auto& [at, deadline] : fake.calls()) {
    ASSERT_TRUE(deadline.has_value()) << "a lease request without a deadline";
    EXPECT_GT(*deadline, at - 1ms);
    EXPECT_LE(*deadline - at, c.renew_deadline);
  }
}

TEST(LeaderElectionAlgorithmTest, ExpiryIsJudgedByTheLocalClockSinceTheRecordChanged) {
  FakeClock clock(TimePoint{} + 1000h);
  FakeKubeClient fake(&clock);
  LeaderElectionConfig base{"ns", "lock", "", 15s, 10s, 2s};
  LeaderElectionConfig ca = base, cb = base;
  ca.identity = "a";
  cb.identity = "b";
  auto a = std::move(LeaderElector::New(&fake, ca, &clock)).value();
  auto b = std::move(LeaderElector::New(&fake, cb, &clock)).value();
  EXPECT_TRUE(a->TryAcquireOrRenew()) << "creates the lease";
  EXPECT_FALSE(b->TryAcquireOrRenew()) << "b sees a valid lease";
  clock.Advance(10s);
  EXPECT_TRUE(a->TryAcquireOrRenew()) << "a renews";
  clock.Advance(14s);
  EXPECT_FALSE(b->TryAcquireOrRenew()) << "b now sees the renewal and starts counting again";
  clock.Advance(14s);
  EXPECT_FALSE(b->TryAcquireOrRenew()) << "14 s since b saw the record change: still valid";
  clock.Advance(2s);
  EXPECT_TRUE(b->TryAcquireOrRenew()) << "16 s without a change: expired, b takes it";
  EXPECT_FALSE(a->TryAcquireOrRenew()) << "a lost it";
  Result<Json> lease = fake.Get(kLeases, "ns", "lock");
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  b->Release();
  EXPECT_TRUE(a->TryAcquireOrRenew()) << "a released lease can be taken at once";
}

TEST(LeaderElectionAlgorithmTest, RejectsUnsafeTimings) {
  FakeClock clock(TimePoint{});
  FakeKubeClient fake(&clock);
  EXPECT_FALSE(LeaderElector::New(&fake, {"ns", "l", "a", 10s, 10s, 2s}, &clock).ok());
  EXPECT_FALSE(LeaderElector::New(&fake, {"ns", "l", "a", 15s, 2s, 2s}, &clock).ok());
  EXPECT_FALSE(LeaderElector::New(&fake, {"ns", "l", "", 15s, 10s, 2s}, &clock).ok());
  EXPECT_TRUE(LeaderElector::New(&fake, {"ns", "l", "a", 15s, 10s, 2s}, &clock).ok());
  EXPECT_EQ(FormatMicroTime(TimePoint{} + 1764118923123456us), "2025-11-26T01:02:03.123456Z");
}

}  // namespace
}  // namespace x3ui::kube
