#include "controller/manifest_check.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace x3ui::controller {
namespace {

namespace fs = std::filesystem;

TEST(ManifestCheckTest, SamplesValidateAndPreviewHonoursThePin) {
  auto m = LoadManifests({(fs::path(X3UI_SOURCE_DIR) / "manifests/samples").string()});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::ostringstream out;
  Status s = PrintPlacementPreview(*m, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(out.str().find("valid: 3 VpnNode, 6 VpnAssignment, 1 VpnMigration"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("erin                    fra-2           Pinned"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("dave                    nyc-1"), std::string::npos) << "dave selects region us";
}

TEST(ManifestCheckTest, UnplaceableAssignmentFailsThePipeline) {
  fs::path dir = fs::temp_directory_path() / ("x3ui-check-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.yaml") << R"(apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: only}
spec:
  panel: {url: "https://p/", credentialsSecretRef: {name: c}}
  publicHost: p.example.com
  inbounds: [{name: r, id: 1, protocol: vless}]
  capacity: {maxUsers: 1}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: pinned-elsewhere}
spec: {user: {id: "1", email: a@x}, nodeName: missing}
)";
  auto m = LoadManifests({dir.string()});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::ostringstream out;
  Status s = PrintPlacementPreview(*m, out);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(out.str().find("pinned node missing does not exist"), std::string::npos) << out.str();
  fs::remove_all(dir);
}

TEST(ManifestCheckTest, BadFileStopsWithItsError) {
  auto m = LoadManifests({(fs::path(X3UI_SOURCE_DIR) / "tests/testdata/bad/node-weight-string.yaml").string()});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("spec.weight: must be an integer"), std::string::npos);
}

TEST(ManifestCheckTest, EmptyPathIsNotFound) {
  auto m = LoadManifests({});
  EXPECT_EQ(m.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace x3ui::controller
