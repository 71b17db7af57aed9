// Every good sample under manifests/samples/ loads and validates; every bad sample under
// tests/testdata/bad/ fails with the field path its header names:
//   # expect-path: spec.capacity.maxUsers
//   # expect-message: must be at least 1
//   # expect-document: 2            (optional, default 1)
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pkg/api/manifest.h"

namespace x3ui::api {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> YamlFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml" && e.path().filename() != "kustomization.yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Header(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string line, prefix = "# " + key + ": ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

TEST(SamplesTest, EveryGoodSampleValidates) {
  auto files = YamlFiles(fs::path(X3UI_SOURCE_DIR) / "manifests/samples");
  ASSERT_FALSE(files.empty());
  size_t nodes = 0, assignments = 0, migrations = 0;
  for (const auto& f : files) {
    auto m = LoadManifestFile(f.string());
    ASSERT_TRUE(m.ok()) << m.status().message();
    nodes += m->nodes.size();
    assignments += m->assignments.size();
    migrations += m->migrations.size();
  }
  EXPECT_EQ(nodes, 3u) << "the sample fleet has three nodes";
  EXPECT_GE(assignments, 5u);
  EXPECT_EQ(migrations, 1u);
}

TEST(SamplesTest, SampleFleetSpansTwoRegionsWithDifferentPriorityAndWeight) {
  auto m = LoadManifestFile((fs::path(X3UI_SOURCE_DIR) / "manifests/samples/vpnnodes.yaml").string());
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::set<std::string> regions;
  std::set<int64_t> priorities, weights;
  for (const auto& n : m->nodes) {
    regions.insert(n.spec.region);
    priorities.insert(n.spec.priority);
    weights.insert(n.spec.weight);
  }
  EXPECT_EQ(regions.size(), 2u);
  EXPECT_GE(priorities.size(), 2u);
  EXPECT_GE(weights.size(), 2u);
}

class BadSampleTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(BadSampleTest, FailsWithExpectedFieldPath) {
  const fs::path& f = GetParam();
  std::string path = Header(f, "expect-path");
  std::string message = Header(f, "expect-message");
  std::string document = Header(f, "expect-document");
  if (document.empty()) document = "1";
  ASSERT_FALSE(path.empty()) << f << " lacks an expect-path header";
  auto m = LoadManifestFile(f.string());
  ASSERT_FALSE(m.ok()) << f << " was accepted";
  ASSERT_FALSE(m.status().field_errors().empty()) << m.status().message();
  EXPECT_EQ(m.status().field_errors()[0].path, path) << m.status().message();
  EXPECT_EQ(m.status().field_errors()[0].message, message) << m.status().message();
  EXPECT_NE(m.status().message().find(f.string() + ": document " + document + " "), std::string::npos)
      << m.status().message();
}

INSTANTIATE_TEST_SUITE_P(Files, BadSampleTest,
                         ::testing::ValuesIn(YamlFiles(fs::path(X3UI_SOURCE_DIR) / "tests/testdata/bad")),
                         [](const auto& info) {
                           std::string n = info.param.stem().string();
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace x3ui::api
