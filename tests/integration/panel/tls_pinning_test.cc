// A VpnNode's CA bundle pins its panel: an x3ui-sim panel served over TLS (a TlsFront) with a
// certificate from that CA is logged in to and listed; one whose certificate another CA issued
// is refused even when that other CA is among the system roots (here SSL_CERT_FILE, which
// OpenSSL reads as its default roots); a bundle that is not PEM certificates is refused before
// any connection. Certificates are made here with the openssl command.
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pkg/x3ui/session_pool.h"
#include "tests/sim/sim_server.h"
#include "tests/sim/tls_front.h"
#include "tests/support/wait.h"

namespace x3ui::panel {
namespace {

namespace fs = std::filesystem;
using x3ui::testing::FreePort;
using namespace std::chrono_literals;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TlsPinningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("x3ui-pin-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // Two CAs, each issuing a certificate for 127.0.0.1.
    std::string cmd = "cd " + dir_.string() + " && printf 'subjectAltName=IP:127.0.0.1' > ext";
    for (const char* ca : {"ca1", "ca2"}) {
      const std::string c = ca;
      cmd += " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + c + " -keyout " + c + ".key -out " +
             c + ".crt && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + c +
             "-srv.key -out " + c + "-srv.csr && openssl x509 -req -in " + c + "-srv.csr -CA " + c + ".crt -CAkey " +
             c + ".key -CAcreateserial -days 2 -extfile ext -out " + c + "-srv.crt";
    }
    cmd += " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make certificates";

    sim::PanelConfig p;
    p.name = "p1";
    p.port = FreePort();
    p.inbounds = sim::DefaultInbounds("p1");
    server_ = std::make_unique<sim::SimServer>(std::vector<sim::PanelConfig>{p}, FreePort());
    ASSERT_TRUE(server_->Start().ok());
    for (const char* ca : {"ca1", "ca2"}) {
      const std::string c = ca;
      const int port = FreePort();
      auto front = std::make_unique<sim::TlsFront>(Read(dir_ / (c + "-srv.crt")), Read(dir_ / (c + "-srv.key")), port, p.port);
      ASSERT_TRUE(front->Start().ok());
      urls_[c] = "https://127.0.0.1:" + std::to_string(port) + "/";
      fronts_.push_back(std::move(front));
    }
  }
  void TearDown() override {
    ::unsetenv("SSL_CERT_FILE");
    fronts_.clear();
    if (server_) server_->Stop();
    fs::remove_all(dir_);
  }

  // Logs in to the panel behind `front` (ca1 or ca2) trusting `ca_pem` (empty: the system roots)
  // and lists its inbounds.
  Status LoginAndList(const std::string& front, const std::string& ca_pem) {
    PanelSessionPool pool(&clock_);
    PanelEndpoint ep;
    ep.panel.url = urls_[front];
    ep.panel.credentials = {"admin", "admin", ""};
    ep.transport.timeout = 5s;
    ep.transport.ca_pem = ca_pem;
    auto session = pool.Get("ns/p1", ep);
    if (!session.ok()) return session.status();
    return (*session)->client().ListInbounds().status();
  }
  std::string Ca(const char* name) { return Read(dir_ / (std::string(name) + ".crt")); }

  RealClock clock_;
  fs::path dir_;
  std::unique_ptr<sim::SimServer> server_;
  std::vector<std::unique_ptr<sim::TlsFront>> fronts_;
  std::map<std::string, std::string> urls_;
};

TEST_F(TlsPinningTest, TheGivenCaIsTrusted) {
  Status s = LoginAndList("ca1", Ca("ca1"));
  EXPECT_TRUE(s.ok()) << s.ToString();
  Status unknown = LoginAndList("ca1", "");
  EXPECT_EQ(unknown.code(), Status::Code::kUnavailable) << "a CA outside the system roots is refused: " << unknown.ToString();
}

TEST_F(TlsPinningTest, TheGivenCaReplacesTheSystemRoots) {
  ASSERT_EQ(::setenv("SSL_CERT_FILE", (dir_ / "ca2.crt").c_str(), 1), 0);
  Status by_system_roots = LoginAndList("ca2", "");
  ASSERT_TRUE(by_system_roots.ok()) << "ca2 is a system root here: " << by_system_roots.ToString();
  Status pinned = LoginAndList("ca2", Ca("ca1"));
  EXPECT_FALSE(pinned.ok()) << "a certificate from a system root was accepted although the node pins ca1";
  EXPECT_EQ(pinned.code(), Status::Code::kUnavailable) << pinned.ToString();
  EXPECT_EQ(server_->panel("p1")->Describe()["counters"].value("login", int64_t{0}), 1)
      << "only the unpinned connection logged in";
  Status own = LoginAndList("ca1", Ca("ca1"));
  EXPECT_TRUE(own.ok()) << own.ToString();
}

TEST_F(TlsPinningTest, AGarbledBundleIsRefusedBeforeAnyConnection) {
  std::string garbled = Ca("ca1");
  garbled.replace(garbled.find("MII") + 10, 8, "!!!!!!!!");
  for (const std::string& pem : {garbled, std::string("not a certificate"), Read(dir_ / "ca1.key")}) {
    Status s = LoginAndList("ca1", pem);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    EXPECT_EQ(s.reason(), "CaInvalid") << s.ToString();
    EXPECT_EQ(s.message().find("MII"), std::string::npos) << "the message quotes the bundle: " << s.message();
  }
  EXPECT_EQ(server_->panel("p1")->Describe()["counters"].value("requests", int64_t{0}), 0);
}

}  // namespace
}  // namespace x3ui::panel
