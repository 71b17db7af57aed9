#include "pkg/kube/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "pkg/common/base64.h"

namespace x3ui::kube {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("x3ui-kcfg-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(ConfigTest, KubeconfigWithTokenAndRelativeCaFile) {
  Write("ca.crt", "CA-PEM");
  std::string path = Write("config", R"(apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt}
- name: two
  cluster: {server: "https://10.0.0.1", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: s3cr3t}
contexts:
- name: a
  context: {cluster: one, user: admin, namespace: vpn}
- name: b
  context: {cluster: two, user: admin}
current-context: a
)");
  Result<RestConfig> c = LoadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->token, "s3cr3t");
  EXPECT_EQ(c->ca_pem, "CA-PEM") << "relative to the kubeconfig's directory";
  EXPECT_EQ(c->namespace_, "vpn");
  Result<RestConfig> b = LoadKubeconfig(path, "b");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->insecure_skip_tls_verify);
  EXPECT_EQ(b->namespace_, "default");
  EXPECT_EQ(LoadKubeconfig(path, "nope").status().code(), Status::Code::kNotFound);
}

TEST_F(ConfigTest, KubeconfigWithEmbeddedClientCertificate) {
  std::string path = Write("config", "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                                     "    certificate-authority-data: " + Base64Encode("CA") + "\n"
                                     "users:\n- name: u\n  user:\n"
                                     "    client-certificate-data: " + Base64Encode("CERT") + "\n"
                                     "    client-key-data: " + Base64Encode("KEY") + "\n"
                                     "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
  Result<RestConfig> c = LoadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ca_pem, "CA");
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem, "KEY");
  EXPECT_TRUE(c->token.empty());
}

TEST_F(ConfigTest, BrokenKubeconfigsSayWhatIsMissing) {
  EXPECT_EQ(LoadKubeconfig((dir_ / "absent").string()).status().code(), Status::Code::kNotFound);
  std::string no_ctx = Write("a", "clusters: []\n");
  EXPECT_NE(LoadKubeconfig(no_ctx).status().message().find("no current-context"), std::string::npos);
  std::string no_cluster = Write("b", "contexts:\n- name: x\n  context: {cluster: gone}\ncurrent-context: x\n");
  EXPECT_NE(LoadKubeconfig(no_cluster).status().message().find("its cluster is not defined"), std::string::npos);
}

TEST_F(ConfigTest, InClusterUsesServiceAccountFilesAndEnvironment) {
  Write("token", "sa-token\n");
  Write("ca.crt", "SA-CA");
  Write("namespace", "x3ui-system\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Result<RestConfig> c = InClusterConfig(dir_.string());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token_file, (dir_ / "token").string()) << "read on each request: projected tokens rotate";
  EXPECT_EQ(c->ca_pem, "SA-CA");
  EXPECT_EQ(c->namespace_, "x3ui-system");
  ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  EXPECT_EQ(InClusterConfig(dir_.string())->server, "https://[fd00::1]:443");
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(InClusterConfig(dir_.string()).status().code(), Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace x3ui::kube
