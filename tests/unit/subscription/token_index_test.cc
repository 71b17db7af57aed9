#include "pkg/subscription/token_index.h"

#include <gtest/gtest.h>

namespace x3ui::subscription {
namespace {

TEST(TokenIndexTest, FindsByTokenAndForgetsARotatedOne) {
  TokenIndex idx;
  idx.Put("vpn/alice", "tokA");
  idx.Put("vpn/bob", "tokB");
  EXPECT_EQ(idx.Find("tokA"), "vpn/alice");
  EXPECT_EQ(idx.Find("tokB"), "vpn/bob");
  EXPECT_EQ(idx.Find("tokC"), std::nullopt);
  EXPECT_EQ(idx.Find(""), std::nullopt);
  idx.Put("vpn/alice", "tokA2");  // rotation: the old token dies at once
  EXPECT_EQ(idx.Find("tokA"), std::nullopt);
  EXPECT_EQ(idx.Find("tokA2"), "vpn/alice");
  idx.Erase("vpn/alice");
  EXPECT_EQ(idx.Find("tokA2"), std::nullopt);
  EXPECT_EQ(idx.Find("tokB"), "vpn/bob");
}

TEST(TokenIndexTest, Sha256OfAKnownString) {
  const Digest d = Sha256("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[31], 0xad);
}

}  // namespace
}  // namespace x3ui::subscription
