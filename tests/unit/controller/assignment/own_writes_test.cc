#include "controller/assignment/own_writes.h"

#include <gtest/gtest.h>

namespace x3ui::controller {
namespace {

kube::Json At(const char* rv, const char* node) {
  return {{"metadata", {{"namespace", "vpn"}, {"name", "alice"}, {"resourceVersion", rv}}},
          {"status", {{"nodeName", node}}}};
}

TEST(OwnWritesTest, AReadOlderThanOurOwnWriteGivesTheWrite) {
  OwnWrites w;
  w.Remember(At("120", "b"));
  EXPECT_EQ((*w.Newest("vpn/alice", At("99", "a")))["status"]["nodeName"], "b") << "the cache lags";
  EXPECT_EQ((*w.Newest("vpn/alice", At("121", "c")))["status"]["nodeName"], "c") << "the cache caught up";
  EXPECT_EQ((*w.Newest("vpn/alice", At("99", "a")))["status"]["nodeName"], "a") << "and the write is forgotten";
}

TEST(OwnWritesTest, AnOlderDeliveryIsIgnoredANewerOneEndsTheWrite) {
  OwnWrites w;
  w.Remember(At("120", "b"));
  EXPECT_FALSE(w.Delivered("vpn/alice", "119"));
  EXPECT_TRUE(w.Delivered("vpn/alice", "120"));
  EXPECT_TRUE(w.Delivered("vpn/alice", "1")) << "nothing remembered any more";
}

TEST(OwnWritesTest, ANotFoundReadIsPassedOn) {
  OwnWrites w;
  w.Remember(At("120", "b"));
  EXPECT_EQ(w.Newest("vpn/alice", Status::NotFound("gone")).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace x3ui::controller
