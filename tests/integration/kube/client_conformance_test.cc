// One table of API behaviours, run against the real kube-apiserver (RestClient) and the
// in-memory FakeKubeClient, so the fake that the reconcilers' unit tests use cannot drift.
#include <thread>

#include <gtest/gtest.h>

#include "pkg/kube/config.h"
#include "pkg/kube/fake_client.h"
#include "pkg/kube/rest_client.h"
#include "tests/integration/kube/kube_test_support.h"
#include "tests/support/wait.h"

namespace x3ui::kube {
namespace {

using namespace std::chrono_literals;

struct Backend {
  const char* name;
  bool real;
};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

using testing::Node;
using testing::RealClient;

class ClientConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().real) {
      client_ = RealClient(&clock_);
      ASSERT_NE(client_, nullptr) << "X3UI_TEST_KUBE_ENV must name a running control plane (run through ctest)";
    } else {
      auto fake = std::make_unique<FakeKubeClient>(&clock_);
      ASSERT_TRUE(fake->LoadCrdDefaults(std::string(X3UI_SOURCE_DIR) + "/crds").ok());
      client_ = std::move(fake);
    }
    static std::atomic<int> n{0};
    ns_ = "conf-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    ASSERT_TRUE(client_->Create(kNamespaces, "", {{"metadata", {{"name", ns_}}}}).ok());
  }
  void TearDown() override {
    if (client_) (void)client_->Delete(kNamespaces, "", ns_);
  }
  Json Create(const Json& obj) {
    Result<Json> r = client_->Create(kVpnNodes, ns_, obj);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Json();
  }
  static std::string Rv(const Json& o) { return o["metadata"]["resourceVersion"]; }
  static int64_t Gen(const Json& o) { return o["metadata"].value("generation", 0); }

  RealClock clock_;
  std::unique_ptr<KubeClient> client_;
  std::string ns_;
};

TEST_P(ClientConformanceTest, CreateSetsServerFieldsAndRefusesDuplicates) {
  Json n = Create(Node("a"));
  EXPECT_FALSE(n["metadata"].value("uid", "").empty());
  EXPECT_FALSE(Rv(n).empty());
  EXPECT_EQ(Gen(n), 1);
  EXPECT_FALSE(n["metadata"].value("creationTimestamp", "").empty());
  EXPECT_EQ(n["spec"]["weight"], 1) << "CRD defaults apply";
  Result<Json> again = client_->Create(kVpnNodes, ns_, Node("a"));
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(again.status().reason(), "AlreadyExists");
  EXPECT_EQ(client_->Get(kVpnNodes, ns_, "missing").status().code(), Status::Code::kNotFound);
}

TEST_P(ClientConformanceTest, UpdateNeedsTheCurrentResourceVersion) {
  Json n = Create(Node("a"));
  Json no_rv = n;
  no_rv["metadata"].erase("resourceVersion");
  EXPECT_EQ(client_->Update(kVpnNodes, ns_, no_rv).status().code(), Status::Code::kInvalidArgument);
  Json changed = n;
  changed["spec"]["capacity"]["maxUsers"] = 20;
  Result<Json> u = client_->Update(kVpnNodes, ns_, changed);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(Gen(*u), 2) << "a spec change bumps generation";
  Result<Json> stale = client_->Update(kVpnNodes, ns_, changed);  // n's old resourceVersion
  EXPECT_EQ(stale.status().code(), Status::Code::kConflict);
  Json relabel = *u;
  relabel["metadata"]["labels"]["tier"] = "silver";
  Result<Json> l = client_->Update(kVpnNodes, ns_, relabel);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(Gen(*l), 2) << "labels do not bump generation";
  EXPECT_NE(Rv(*l), Rv(*u));
  Result<Json> same = client_->Update(kVpnNodes, ns_, *l);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(Rv(*same), Rv(*l)) << "a no-op write is not stored";
}

TEST_P(ClientConformanceTest, StatusSubresourceRules) {
  Json with_status = Node("a");
  with_status["status"] = {{"phase", "Ready"}};
  Json n = Create(with_status);
  EXPECT_FALSE(n.contains("status") && n["status"].contains("phase")) << "create ignores status";
  n["status"] = {{"phase", "Ready"}, {"users", 3}};
  Result<Json> via_main = client_->Update(kVpnNodes, ns_, n);
  ASSERT_TRUE(via_main.ok());
  EXPECT_FALSE(via_main->contains("status") && (*via_main)["status"].contains("phase")) << "the main endpoint keeps status";
  Json st = *via_main;
  st["status"] = {{"phase", "Ready"}, {"users", 3}};
  st["spec"]["capacity"]["maxUsers"] = 99;  // ignored by /status
  Result<Json> s = client_->UpdateStatus(kVpnNodes, ns_, st);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)["status"]["users"], 3);
  EXPECT_EQ((*s)["spec"]["capacity"]["maxUsers"], 10);
  EXPECT_EQ(Gen(*s), Gen(*via_main)) << "status writes never bump generation";
  Result<Json> p = client_->Patch(kVpnNodes, ns_, "a", PatchType::kMerge, {{"status", {{"users", 4}}}}, true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["status"]["users"], 4);
  EXPECT_EQ((*p)["status"]["phase"], "Ready");
}

TEST_P(ClientConformanceTest, MergePatchReplacesArraysDeletesNullsAndLocksOnResourceVersion) {
  Json n = Create(Node("a"));
  Json patch = {{"spec", {{"inbounds", {{{"name", "ws"}, {"tag", "inbound-8443"}, {"protocol", "trojan"}}}},
                          {"region", "eu"}}}};
  Result<Json> p = client_->Patch(kVpnNodes, ns_, "a", PatchType::kMerge, patch, false);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ((*p)["spec"]["inbounds"].size(), 1u) << "arrays are replaced whole";
  EXPECT_EQ((*p)["spec"]["inbounds"][0]["name"], "ws");
  Result<Json> del = client_->Patch(kVpnNodes, ns_, "a", PatchType::kMerge, {{"spec", {{"region", nullptr}}}}, false);
  ASSERT_TRUE(del.ok());
  EXPECT_FALSE((*del)["spec"].contains("region"));
  Json locked = {{"metadata", {{"resourceVersion", Rv(n)}}}, {"spec", {{"drain", true}}}};
  EXPECT_EQ(client_->Patch(kVpnNodes, ns_, "a", PatchType::kMerge, locked, false).status().code(),
            Status::Code::kConflict);
}

TEST_P(ClientConformanceTest, JsonPatchWithFailingTestIsRefused) {
  Create(Node("a"));
  Json ops = Json::array({{{"op", "test"}, {"path", "/spec/capacity/maxUsers"}, {"value", 11}},
                          {{"op", "replace"}, {"path", "/spec/capacity/maxUsers"}, {"value", 12}}});
  Result<Json> r = client_->Patch(kVpnNodes, ns_, "a", PatchType::kJson, ops, false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ((*client_->Get(kVpnNodes, ns_, "a"))["spec"]["capacity"]["maxUsers"], 10);
  ops[0]["value"] = 10;
  r = client_->Patch(kVpnNodes, ns_, "a", PatchType::kJson, ops, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["spec"]["capacity"]["maxUsers"], 12);
}

TEST_P(ClientConformanceTest, FinalizerHoldsDeletionUntilRemoved) {
  Json n = Node("a");
  n["metadata"]["finalizers"] = {"x3ui.io/finalizer"};
  Create(n);
  ASSERT_TRUE(client_->Delete(kVpnNodes, ns_, "a").ok());
  Result<Json> held = client_->Get(kVpnNodes, ns_, "a");
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE((*held)["metadata"].value("deletionTimestamp", "").empty());
  Json adding = *held;
  adding["metadata"]["finalizers"].push_back("other/finalizer");
  EXPECT_FALSE(client_->Update(kVpnNodes, ns_, adding).ok()) << "no new finalizers while deleting";
  Json removing = *held;
  removing["metadata"]["finalizers"] = Json::array();
  ASSERT_TRUE(client_->Update(kVpnNodes, ns_, removing).ok());
  EXPECT_EQ(client_->Get(kVpnNodes, ns_, "a").status().code(), Status::Code::kNotFound);
}

TEST_P(ClientConformanceTest, ListWithSelectorsAndPages) {
  for (int i = 0; i < 5; ++i) {
    Json n = Node("n" + std::to_string(i));
    n["metadata"]["labels"]["tier"] = i % 2 ? "gold" : "free";
    Create(n);
  }
  Result<ObjectList> gold = client_->List(kVpnNodes, ns_, {.label_selector = "tier=gold"});
  ASSERT_TRUE(gold.ok());
  EXPECT_EQ(gold->items.size(), 2u);
  Result<ObjectList> notin = client_->List(kVpnNodes, ns_, {.label_selector = "tier notin (gold),tier"});
  ASSERT_TRUE(notin.ok());
  EXPECT_EQ(notin->items.size(), 3u);
  Result<ObjectList> page = client_->List(kVpnNodes, ns_, {.limit = 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->continue_token.empty());
  Result<ObjectList> all = ListAll(*client_, kVpnNodes, ns_, {.limit = 2});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 5u);
  EXPECT_EQ(all->items[0]["kind"], "VpnNode");
}

TEST_P(ClientConformanceTest, WatchDeliversChangesInOrder) {
  Result<ObjectList> start = client_->List(kVpnNodes, ns_, {});
  ASSERT_TRUE(start.ok());
  std::mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    (void)client_->Watch(kVpnNodes, ns_, {.resource_version = start->resource_version, .timeout_seconds = 30},
                         [&](const WatchEvent& e) {
                           if (e.type == "BOOKMARK") return true;
                           std::lock_guard<std::mutex> l(mu);
                           seen.push_back(e.type + " " + e.object["metadata"].value("name", ""));
                           return seen.size() < 3;
                         },
                         &stop);
  });
  Create(Node("w"));
  ASSERT_TRUE(client_->Patch(kVpnNodes, ns_, "w", PatchType::kMerge, {{"spec", {{"drain", true}}}}, false).ok());
  ASSERT_TRUE(client_->Delete(kVpnNodes, ns_, "w").ok());
  bool got = x3ui::testing::Eventually([&] {
    std::lock_guard<std::mutex> l(mu);
    return seen.size() >= 3;
  });
  stop = true;
  watcher.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
}

TEST_P(ClientConformanceTest, WatchFromAnExpiredVersionGets410) {
  if (!GetParam().real) static_cast<FakeKubeClient*>(client_.get())->Compact();
  Json first;
  std::atomic<bool> stop{false};
  Status s = client_->Watch(kVpnNodes, ns_, {.resource_version = "1", .timeout_seconds = 10},
                            [&](const WatchEvent& e) {
                              first = e.object;
                              return e.type != "ERROR";
                            },
                            &stop);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(first.value("code", 0), 410) << first.dump();
  EXPECT_EQ(first.value("reason", ""), "Expired");
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientConformanceTest,
                         ::testing::Values(Backend{"Fake", false}, Backend{"KubeApiserver", true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace x3ui::kube
