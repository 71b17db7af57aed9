// The informer against the real kube-apiserver and the fake: initial list, events, indexes,
// and (fake) a relist after 410 that neither loses nor repeats anything.
#include "pkg/kube/informer.h"

#include <gtest/gtest.h>

#include "pkg/kube/fake_client.h"
#include "tests/integration/kube/kube_test_support.h"
#include "tests/support/wait.h"

namespace x3ui::kube {
namespace {

using namespace std::chrono_literals;
using testing::Node;
using x3ui::testing::Eventually;

struct Backend {
  const char* name;
  bool real;
};
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

// Records what the handlers saw, in order.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> events;
  InformerHandlers Handlers() {
    return {[this](const Json& o) { Push("add " + Informer::KeyOf(o)); },
            [this](const Json&, const Json& n) { Push("update " + Informer::KeyOf(n)); },
            [this](const Json& o) { Push("delete " + Informer::KeyOf(o)); }};
  }
  void Push(std::string s) {
    std::lock_guard<std::mutex> l(mu);
    events.push_back(std::move(s));
  }
  size_t Count(const std::string& e) {
    std::lock_guard<std::mutex> l(mu);
    return std::count(events.begin(), events.end(), e);
  }
};

class InformerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().real) {
      client_ = testing::RealClient(&clock_);
      ASSERT_NE(client_, nullptr) << "run through ctest: X3UI_TEST_KUBE_ENV must name a control plane";
    } else {
      client_ = std::make_unique<FakeKubeClient>(&clock_);
    }
    static std::atomic<int> n{0};
    ns_ = "inf-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    ASSERT_TRUE(client_->Create(kNamespaces, "", {{"metadata", {{"name", ns_}}}}).ok());
  }
  void TearDown() override { (void)client_->Delete(kNamespaces, "", ns_); }

  RealClock clock_;
  std::unique_ptr<KubeClient> client_;
  std::string ns_;
};

TEST_P(InformerTest, ListsThenFollowsEventsAndIndexes) {
  ASSERT_TRUE(client_->Create(kVpnNodes, ns_, Node("a", "eu")).ok());
  ASSERT_TRUE(client_->Create(kVpnNodes, ns_, Node("b", "us")).ok());
  Informer inf(client_.get(), kVpnNodes, {.ns = ns_, .transform = [](Json* o) { (*o)["metadata"].erase("managedFields"); }});
  Recorder rec;
  inf.AddHandlers(rec.Handlers());
  inf.AddIndex("region", [](const Json& o) { return std::vector<std::string>{o["spec"].value("region", "")}; });
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(10s));
  EXPECT_EQ(inf.Size(), 2u);
  EXPECT_EQ(rec.Count("add " + ns_ + "/a"), 1u);
  ASSERT_TRUE(client_->Create(kVpnNodes, ns_, Node("c", "eu")).ok());
  ASSERT_TRUE(client_->Patch(kVpnNodes, ns_, "a", PatchType::kMerge, {{"spec", {{"region", "us"}}}}, false).ok());
  ASSERT_TRUE(client_->Delete(kVpnNodes, ns_, "b").ok());
  ASSERT_TRUE(Eventually([&] { return rec.Count("delete " + ns_ + "/b") == 1; }));
  EXPECT_EQ(rec.Count("add " + ns_ + "/c"), 1u);
  EXPECT_EQ(rec.Count("update " + ns_ + "/a"), 1u);
  EXPECT_FALSE(inf.Get(ns_ + "/b").has_value());
  EXPECT_EQ((*inf.Get(ns_ + "/a"))["spec"]["region"], "us");
  EXPECT_FALSE((*inf.Get(ns_ + "/a"))["metadata"].contains("managedFields")) << "the transform ran";
  auto eu = inf.ByIndex("region", "eu");
  ASSERT_EQ(eu.size(), 1u);
  EXPECT_EQ(eu[0]["metadata"]["name"], "c");
  EXPECT_EQ(inf.ByIndex("region", "us").size(), 1u) << "a re-indexed after its region changed";
  inf.Stop();
}

TEST(InformerFakeTest, RelistAfter410LosesAndRepeatsNothing) {
  RealClock clock;
  FakeKubeClient fake(&clock);
  ASSERT_TRUE(fake.Create(kVpnNodes, "ns", Node("keep")).ok());
  ASSERT_TRUE(fake.Create(kVpnNodes, "ns", Node("gone")).ok());
  Informer inf(&fake, kVpnNodes, {.ns = "ns", .initial_backoff = 10ms, .max_backoff = 50ms});
  Recorder rec;
  inf.AddHandlers(rec.Handlers());
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(5s));
  std::string rv_before = inf.LastResourceVersion();
  // Cut the informer off, change things, forget the history, reconnect: the resumed watch gets
  // 410 and only a relist can bring the cache up to date.
  fake.SetWatchesBroken(true);
  ASSERT_TRUE(fake.Delete(kVpnNodes, "ns", "gone").ok());
  ASSERT_TRUE(fake.Create(kVpnNodes, "ns", Node("new")).ok());
  fake.Compact();
  EXPECT_EQ(inf.Size(), 2u);
  EXPECT_TRUE(inf.Get("ns/gone").has_value()) << "cut off: the informer cannot know yet";
  fake.SetWatchesBroken(false);
  ASSERT_TRUE(Eventually([&] { return inf.Size() == 2 && inf.Get("ns/new").has_value(); }, 15s));
  EXPECT_EQ(inf.relists(), 2) << "the first list and one after the 410";
  EXPECT_FALSE(inf.Get("ns/gone").has_value());
  EXPECT_EQ(rec.Count("add ns/keep"), 1u) << "an unchanged object is not announced twice";
  EXPECT_EQ(rec.Count("delete ns/gone"), 1u);
  EXPECT_EQ(rec.Count("add ns/new"), 1u);
  EXPECT_NE(inf.LastResourceVersion(), rv_before);
  inf.Stop();
}

TEST_P(InformerTest, AHandlerThatThrowsIsSkippedAndTheOthersGoOn) {
  ASSERT_TRUE(client_->Create(kVpnNodes, ns_, Node("a", "eu")).ok());
  Informer inf(client_.get(), kVpnNodes, {.ns = ns_});
  auto boom = [](const Json&) { throw std::runtime_error("a handler bug"); };
  inf.AddHandlers({boom, [](const Json&, const Json&) { throw std::logic_error("a handler bug"); }, boom});
  Recorder rec;
  inf.AddHandlers(rec.Handlers());
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(10s)) << "the first list's throwing handler must not stop the sync";
  ASSERT_TRUE(client_->Create(kVpnNodes, ns_, Node("b", "eu")).ok());
  ASSERT_TRUE(client_->Patch(kVpnNodes, ns_, "a", PatchType::kMerge, {{"spec", {{"region", "us"}}}}, false).ok());
  ASSERT_TRUE(client_->Delete(kVpnNodes, ns_, "b").ok());
  ASSERT_TRUE(Eventually([&] { return rec.Count("delete " + ns_ + "/b") == 1; }));
  EXPECT_EQ(rec.Count("add " + ns_ + "/a"), 1u);
  EXPECT_EQ(rec.Count("add " + ns_ + "/b"), 1u);
  EXPECT_EQ(rec.Count("update " + ns_ + "/a"), 1u);
  inf.Stop();
}

INSTANTIATE_TEST_SUITE_P(Backends, InformerTest,
                         ::testing::Values(Backend{"Fake", false}, Backend{"KubeApiserver", true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace x3ui::kube
