// Leader election between two real processes against the real kube-apiserver: one leads, the
// other takes over within the lease duration after the leader is killed with SIGKILL, and the two
// never lead at once. Plus the algorithm's details against the fake with a fake clock.
#include "pkg/kube/leader_election.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pkg/kube/fake_client.h"
#include "tests/integration/kube/kube_test_support.h"
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
