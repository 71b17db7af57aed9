// ObjectKey: String and Parse are inverses, and Of reads an object's metadata.
#include "pkg/kube/object_key.h"

#include <gtest/gtest.h>

namespace x3ui::kube {
namespace {

TEST(ObjectKeyTest, StringAndParseRoundTrip) {
  struct Case {
    ObjectKey key;
    const char* spelled;
  };
  const std::vector<Case> cases = {
      {{"vpn", "fra-1"}, "vpn/fra-1"},
      {{"", "cluster-scoped"}, "cluster-scoped"},
      {{"vpn", ""}, "vpn/"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.key.String(), c.spelled);
    EXPECT_EQ(ObjectKey::Parse(c.spelled), c.key) << c.spelled;
  }
}

TEST(ObjectKeyTest, OfReadsMetadataAndToleratesItsAbsence) {
  EXPECT_EQ(ObjectKey::Of({{"metadata", {{"namespace", "vpn"}, {"name", "u1"}}}}), (ObjectKey{"vpn", "u1"}));
  EXPECT_EQ(ObjectKey::Of({{"metadata", {{"name", "n"}}}}), (ObjectKey{"", "n"}));
  EXPECT_EQ(ObjectKey::Of({{"metadata", {{"name", 7}}}}), ObjectKey{}) << "a name that is not a string is none";
  EXPECT_EQ(ObjectKey::Of(nlohmann::json::array()), ObjectKey{});
}

}  // namespace
}  // namespace x3ui::kube
