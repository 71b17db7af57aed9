#include "controller/placement_index.h"

#include <gtest/gtest.h>

namespace x3ui::controller {
namespace {

TEST(PlacementIndexTest, CountsFollowEveryChange) {
  PlacementIndex idx;
  idx.Set("vpn/alice", "vpn/a");
  idx.Set("vpn/bob", "vpn/a");
  idx.Set("vpn/carol", "vpn/b");
  EXPECT_EQ(idx.UsersOn("vpn/a"), 2);
  EXPECT_EQ(idx.UsersOn("vpn/b"), 1);
  EXPECT_EQ(idx.UsersOn("vpn/c"), 0);
  EXPECT_EQ(idx.NamesOn("vpn/a"), (std::vector<std::string>{"alice", "bob"}));

  idx.Set("vpn/bob", "vpn/b");  // a move
  EXPECT_EQ(idx.UsersOn("vpn/a"), 1);
  EXPECT_EQ(idx.NamesOn("vpn/b"), (std::vector<std::string>{"bob", "carol"}));
  idx.Set("vpn/bob", "vpn/b");  // the same again changes nothing
  EXPECT_EQ(idx.UsersOn("vpn/b"), 2);

  idx.Erase("vpn/alice");
  idx.Erase("vpn/nobody");
  EXPECT_EQ(idx.UsersOn("vpn/a"), 0);
  EXPECT_TRUE(idx.NamesOn("vpn/a").empty());
}

}  // namespace
}  // namespace x3ui::controller
