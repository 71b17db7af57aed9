#include "pkg/x3ui/fenced_transport.h"

#include <gtest/gtest.h>

namespace x3ui::panel {
namespace {

using namespace std::chrono_literals;

// Counts what reaches the network.
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(std::atomic<int>* sent) : sent_(sent) {}
  Result<HttpResponse> Send(const HttpRequest&) override {
    ++*sent_;
    return HttpResponse{200, {}, "{}"};
  }

 private:
  std::atomic<int>* sent_;
};

TEST(FenceTest, OpenUntilItsDeadlineWithoutAnyoneClosingIt) {
  Fence f;
  EXPECT_FALSE(f.IsOpen()) << "shut until opened";
  f.OpenUntil(std::chrono::steady_clock::now() + 1h);
  EXPECT_TRUE(f.IsOpen());
  f.OpenUntil(std::chrono::steady_clock::now() - 1ms);
  EXPECT_FALSE(f.IsOpen()) << "a deadline in the past shuts it";
  f.OpenForever();
  EXPECT_TRUE(f.IsOpen());
  f.Shut();
  EXPECT_FALSE(f.IsOpen());
}

TEST(FencedTransportTest, NothingIsSentWhileTheFenceIsShut) {
  std::atomic<int> sent{0};
  Fence fence;
  TransportMaker make = FencedTransports(
      [&sent](const TransportOptions&) -> Result<std::unique_ptr<HttpTransport>> {
        return std::unique_ptr<HttpTransport>(std::make_unique<CountingTransport>(&sent));
      },
      &fence);
  auto t = make(TransportOptions{});
  ASSERT_TRUE(t.ok());
  fence.OpenUntil(std::chrono::steady_clock::now() + 1h);
  EXPECT_TRUE((*t)->Send({"POST", "login", {}, ""}).ok());
  EXPECT_EQ(sent.load(), 1);
  fence.OpenUntil(std::chrono::steady_clock::now() - 1ms);  // the renew deadline passed
  for (const char* method : {"POST", "GET"}) {
    Result<HttpResponse> r = (*t)->Send({method, "panel/api/inbounds/addClient", {}, "{}"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("not the leader"), std::string::npos);
  }
  EXPECT_EQ(sent.load(), 1) << "reads and writes alike are refused before the network";
}

}  // namespace
}  // namespace x3ui::panel
