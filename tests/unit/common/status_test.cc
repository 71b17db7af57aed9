#include "pkg/common/status.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, InvalidListsEveryFieldError) {
  Status s = Status::Invalid({{"spec.weight", "must be at least 1"}, {"spec.panel.url", "is required"}});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "spec.weight: must be at least 1; spec.panel.url: is required");
  ASSERT_EQ(s.field_errors().size(), 2u);
  EXPECT_EQ(s.field_errors()[1].path, "spec.panel.url");
}

TEST(StatusTest, WithContextPrefixesAndKeepsFieldErrors) {
  Status s = Status::Invalid({{"spec.weight", "must be at least 1"}}).WithContext("default/fra-1");
  EXPECT_EQ(s.ToString(), "InvalidArgument: default/fra-1: spec.weight: must be at least 1");
  EXPECT_EQ(s.field_errors().size(), 1u);
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = Status::NotFound("vpnnodes \"x\" not found");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace x3ui
