#include "pkg/subscription/token_index.h"

#include <gtest/gtest.h>

namespace x3ui::subscription {
namespace {

TEST(TokenIndexTest, FindsByTokenAndForgetsARotatedOne) {
  TokenIndex idx;
  idx.Put("tokA", "vpn/alice");
  idx.Put("tokB", "vpn/bob");
  EXPECT_EQ(idx.Find("tokA"), "vpn/alice");
  EXPECT_EQ(idx.Find("tokB"), "vpn/bob");
  EXPECT_EQ(idx.Find("tokC"), std::nullopt);
  EXPECT_EQ(idx.Find(""), std::nullopt);
  // A rotation, as the Secret's update hands it: the old token dies at once.
  idx.Erase("tokA", "vpn/alice");
  idx.Put("tokA2", "vpn/alice");
  EXPECT_EQ(idx.Find("tokA"), std::nullopt);
  EXPECT_EQ(idx.Find("tokA2"), "vpn/alice");
  idx.Erase("tokA2", "vpn/alice");
  EXPECT_EQ(idx.Find("tokA2"), std::nullopt);
  EXPECT_EQ(idx.Find("tokB"), "vpn/bob");
  EXPECT_EQ(idx.Size(), 1u);
}

TEST(TokenIndexTest, AnEraseLeavesATokenAnotherUserNowHolds) {
  TokenIndex idx;
  idx.Put("tok", "vpn/alice");
  idx.Put("tok", "vpn/bob");  // copied into bob's Secret
  idx.Erase("tok", "vpn/alice");
  EXPECT_EQ(idx.Find("tok"), "vpn/bob");
  idx.Erase("nope", "vpn/bob");
  EXPECT_EQ(idx.Size(), 1u);
}

TEST(TokenIndexTest, Sha256OfAKnownString) {
  const Digest d = Sha256("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[31], 0xad);
}

}  // namespace
}  // namespace x3ui::subscription
