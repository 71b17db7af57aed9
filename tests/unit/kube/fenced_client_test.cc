// FencedClient: while the leader's fence is shut no write reaches the API server, and reads do.
#include "pkg/kube/fenced_client.h"

#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "pkg/kube/fake_client.h"

namespace x3ui::kube {
namespace {

using namespace std::chrono_literals;

Json Secret(const std::string& name) {
  return Json{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}, {"namespace", "vpn"}}}};
}

TEST(FencedClientTest, WritesWaitForTheFenceAndReadsDoNot) {
  FakeClock clock(std::chrono::system_clock::now());
  FakeKubeClient api(&clock);
  Fence fence;
  FencedClient client(&api, &fence);
  fence.OpenUntil(std::chrono::steady_clock::now() + 1h);
  Result<Json> created = client.Create(kSecrets, "vpn", Secret("kept"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const int64_t writes = api.writes();

  fence.OpenUntil(std::chrono::steady_clock::now() - 1ms);  // the renew deadline passed
  struct Write {
    const char* name;
    std::function<Status()> call;
  };
  const Json existing = *created;
  const std::vector<Write> writes_refused = {
      {"create", [&] { return client.Create(kSecrets, "vpn", Secret("new")).status(); }},
      {"update", [&] { return client.Update(kSecrets, "vpn", existing).status(); }},
      {"update status", [&] { return client.UpdateStatus(kVpnNodes, "vpn", existing).status(); }},
      {"patch", [&] { return client.Patch(kSecrets, "vpn", "kept", PatchType::kMerge, Json::object(), false).status(); }},
      {"delete", [&] { return client.Delete(kSecrets, "vpn", "kept"); }},
  };
  for (const Write& w : writes_refused) {
    Status s = w.call();
    EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition) << w.name << ": " << s.ToString();
    EXPECT_NE(s.message().find("not the leader"), std::string::npos) << w.name << ": " << s.message();
  }
  EXPECT_EQ(api.writes(), writes) << "a write reached the API server while the fence was shut";
  EXPECT_TRUE(client.Get(kSecrets, "vpn", "kept").ok()) << "reads go through, to keep the caches warm";
  EXPECT_TRUE(client.List(kSecrets, "vpn", ListOptions{}).ok());

  fence.OpenUntil(std::chrono::steady_clock::now() + 1h);  // renewed
  EXPECT_TRUE(client.Delete(kSecrets, "vpn", "kept").ok());
  EXPECT_GT(api.writes(), writes);
}

}  // namespace
}  // namespace x3ui::kube
