// TLS verification is on by default: a panel with a certificate nobody vouches for is refused,
// accepted with its CA bundle, and accepted without verification only when asked.
// The server is `openssl s_server` with a throwaway CA and certificate made here.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pkg/x3ui/http_transport.h"
#include "tests/support/wait.h"

namespace x3ui::panel {
namespace {

namespace fs = std::filesystem;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("x3ui-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string d = dir_.string();
    std::string cmd =
        "cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt "
        ">/dev/null 2>&1 && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout srv.key -out srv.csr "
        ">/dev/null 2>&1 && printf 'subjectAltName=IP:127.0.0.1' > ext && openssl x509 -req -in srv.csr -CA ca.crt "
        "-CAkey ca.key -CAcreateserial -days 2 -extfile ext -out srv.crt >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make certificates";
    port_ = testing::FreePort();
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string accept = std::to_string(port_);
      std::string cert = d + "/srv.crt", key = d + "/srv.key";
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      ::execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert", cert.c_str(), "-key", key.c_str(),
               "-www", "-quiet", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::ifstream ca(d + "/ca.crt");
    std::stringstream ss;
    ss << ca.rdbuf();
    ca_pem_ = ss.str();
    // Ready when a TLS exchange (even an unverified one) gets an answer.
    ASSERT_TRUE(testing::Eventually([&] { return Get(true, "").ok(); })) << "openssl s_server did not start";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  Result<HttpResponse> Get(bool insecure, const std::string& ca) {
    TransportOptions o;
    o.base_url = "https://127.0.0.1:" + std::to_string(port_) + "/";
    o.timeout = std::chrono::seconds(5);
    o.insecure_skip_tls_verify = insecure;
    o.ca_pem = ca;
    auto t = NewCppRestTransport(o);
    if (!t.ok()) return t.status();
    return (*t)->Send({"GET", "", {}, ""});
  }

  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string ca_pem_;
};

TEST_F(TlsTest, VerifiesByDefaultAndTrustsAGivenCa) {
  Result<HttpResponse> by_default = Get(false, "");
  ASSERT_FALSE(by_default.ok()) << "an unknown CA must be refused";
  EXPECT_EQ(by_default.status().code(), Status::Code::kUnavailable);
  Result<HttpResponse> with_ca = Get(false, ca_pem_);
  ASSERT_TRUE(with_ca.ok()) << with_ca.status().ToString();
  EXPECT_EQ(with_ca->status, 200);
  EXPECT_TRUE(Get(true, "").ok()) << "insecureSkipTLSVerify turns verification off";
}

}  // namespace
}  // namespace x3ui::panel
