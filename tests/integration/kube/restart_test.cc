// The informer rides out a kube-apiserver restart: it reconnects (with backoff), and changes made
// before and after the restart all reach its cache, with nothing lost or left over. The restart
// disturbs every user of the control plane, so CTest runs this alone (RUN_SERIAL).
#include <cstdlib>

#include <gtest/gtest.h>

#include "pkg/kube/informer.h"
#include "tests/integration/kube/kube_test_support.h"
#include "tests/support/wait.h"

namespace x3ui::kube {
namespace {

using namespace std::chrono_literals;

TEST(ApiserverRestartTest, InformerReconnectsAndConverges) {
  RealClock clock;
  auto client = testing::RealClient(&clock);
  ASSERT_NE(client, nullptr) << "run through ctest";
  std::string ns = "restart-" + std::to_string(::getpid());
  ASSERT_TRUE(client->Create(kNamespaces, "", {{"metadata", {{"name", ns}}}}).ok());
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(client->Create(kVpnNodes, ns, testing::Node(n)).ok());
  Informer inf(client.get(), kVpnNodes, {.ns = ns, .initial_backoff = 200ms, .max_backoff = 2s});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(10s));
  std::string dir = std::filesystem::path(testing::ControlPlaneEnv()).parent_path().string();
  std::string restart = std::string(X3UI_SOURCE_DIR) + "/hack/control-plane.sh restart-apiserver " + dir + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(restart.c_str()), 0);
  // Change things; the informer must catch up on its own. Right after a restart the server may
  // still be registering the CRDs' handlers (404) and our kept-alive connection is gone, so the
  // test's own writes are retried as a reconciler's would be.
  Status last;
  auto retried = [&](auto write) {
    return x3ui::testing::Eventually([&] {
      last = write();
      return last.ok() || last.code() == Status::Code::kAlreadyExists;
    }, 30s);
  };
  bool deleted_once = false;  // a retry after a delete that went through answers 404
  ASSERT_TRUE(retried([&] {
    Status s = client->Delete(kVpnNodes, ns, "a");
    if (s.code() == Status::Code::kNotFound && deleted_once) return Status::Ok();
    if (s.code() == Status::Code::kUnavailable) deleted_once = true;
    return s;
  })) << last.ToString();
  ASSERT_TRUE(retried([&] { return client->Create(kVpnNodes, ns, testing::Node("d")).status(); })) << last.ToString();
  ASSERT_TRUE(retried([&] {
    return client->Patch(kVpnNodes, ns, "b", PatchType::kMerge, {{"spec", {{"drain", true}}}}, false).status();
  })) << last.ToString();
  auto converged = [&] {
    Result<ObjectList> truth = client->List(kVpnNodes, ns, {});
    if (!truth.ok() || truth->items.size() != inf.Size()) return false;
    for (const auto& o : truth->items) {
      auto cached = inf.Get(Informer::KeyOf(o));
      if (!cached || (*cached)["metadata"]["resourceVersion"] != o["metadata"]["resourceVersion"]) return false;
    }
    return true;
  };
  EXPECT_TRUE(x3ui::testing::Eventually(converged, 60s));
  EXPECT_FALSE(inf.Get(ns + "/a").has_value());
  EXPECT_EQ((*inf.Get(ns + "/b"))["spec"]["drain"], true);
  RecordProperty("relists", inf.relists());
  inf.Stop();
  (void)client->Delete(kNamespaces, "", ns);
}

}  // namespace
}  // namespace x3ui::kube
