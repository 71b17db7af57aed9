// HttpServer over TLS (ServerOptions::tls): a verifying client gets its reply; a plain-HTTP
// request, or a client that never finishes its handshake, gets nothing and is closed; a renewed
// certificate is served to new connections without a restart, and a broken renewal keeps the
// last good one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <utility>  // before boost::asio, which uses std::exchange

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pkg/http/http_server.h"
#include "tests/support/wait.h"

namespace x3ui::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;

// A self-signed certificate for DNS name "localhost" with common name `cn`, and its key, as PEM.
struct Pem {
  std::string cert, key;
};
Pem SelfSigned(const std::string& cn) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  auto to_pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  Pem pem{to_pem([&](BIO* b) { PEM_write_bio_X509(b, x); }),
          to_pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr); })};
  X509_free(x);
  EVP_PKEY_free(pkey);
  return pem;
}

void WriteFile(const fs::path& p, const std::string& data) {
  // Written beside and renamed, as the kubelet swaps a mounted Secret's files.
  const fs::path tmp = p.string() + ".new";
  std::ofstream(tmp, std::ios::binary) << data;
  fs::rename(tmp, p);
}

struct Fetched {
  bool ok = false;
  std::string reply;     // the whole HTTP reply
  std::string peer_cn;   // the served certificate's common name
  std::string error;
};

// GET /healthz over TLS, verifying the server against `ca_pem` and the name "localhost".
Fetched FetchTls(int port, const std::string& ca_pem) {
  Fetched f;
  try {
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(ca_pem));
    ctx.set_verify_mode(ssl::verify_peer);
    ssl::stream<asio::ip::tcp::socket> s(io, ctx);
    s.set_verify_callback(ssl::host_name_verification("localhost"));
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    s.handshake(ssl::stream_base::client);
    X509* peer = SSL_get1_peer_certificate(s.native_handle());
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    X509_free(peer);
    f.peer_cn = cn;
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    asio::write(s, asio::buffer(req));
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      f.reply.append(buf, n);
      if (ec) break;
    }
    f.ok = true;
  } catch (const std::exception& e) {
    f.error = e.what();
  }
  return f;
}

// What arrives on `fd` until the server closes it (closed=true) or `wait` passes.
std::pair<std::string, bool> DrainUntilClosed(int fd, std::chrono::milliseconds wait) {
  std::string data;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {data, true};
    data.append(buf, static_cast<size_t>(n));
  }
  return {data, false};
}

Response Healthz(const Request& r) {
  if (r.path == "/healthz") return {200, "ok", "text/plain", {}};
  return {404, "not found\n", "text/plain", {}};
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("x3ui-tls-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    first_ = SelfSigned("first");
    WriteFile(dir_ / "tls.crt", first_.cert);
    WriteFile(dir_ / "tls.key", first_.key);
    tls_ = std::make_shared<TlsFiles>((dir_ / "tls.crt").string(), (dir_ / "tls.key").string(), 0ms);
    ASSERT_TRUE(tls_->Load().ok());
    ServerOptions o;
    o.head_timeout = 500ms;
    o.idle_timeout = 500ms;
    o.tls = tls_;
    port_ = testing::FreePort();
    server_ = std::make_unique<HttpServer>(port_, Healthz, o);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  Pem first_;
  std::shared_ptr<TlsFiles> tls_;
  int port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsServerTest, AVerifyingClientGetsTheReply) {
  Fetched f = FetchTls(port_, first_.cert);
  ASSERT_TRUE(f.ok) << f.error;
  EXPECT_EQ(f.peer_cn, "first");
  EXPECT_EQ(f.reply.substr(0, f.reply.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_NE(f.reply.find("\r\n\r\nok"), std::string::npos);
  // A client that trusts another certificate refuses this one.
  EXPECT_FALSE(FetchTls(port_, SelfSigned("other").cert).ok);
}

TEST_F(TlsServerTest, PlainHttpAndAStalledHandshakeGetNoReplyAndAreClosed) {
  int fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  ASSERT_GT(::send(fd, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 35, MSG_NOSIGNAL), 0);
  auto [plain_reply, plain_closed] = DrainUntilClosed(fd, 5s);
  ::close(fd);
  EXPECT_TRUE(plain_closed);
  EXPECT_EQ(plain_reply.find("HTTP/1.1 200"), std::string::npos);
  fd = testing::ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  auto [silent_reply, silent_closed] = DrainUntilClosed(fd, 5s);  // head_timeout is 500 ms
  ::close(fd);
  EXPECT_TRUE(silent_closed) << "a connection that never starts its handshake is closed";
  EXPECT_TRUE(silent_reply.empty());
}

TEST_F(TlsServerTest, ARenewedCertificateIsServedWithoutARestartAndABrokenOneIsNot) {
  const Pem second = SelfSigned("second");
  WriteFile(dir_ / "tls.crt", second.cert);
  WriteFile(dir_ / "tls.key", second.key);
  Fetched f = FetchTls(port_, second.cert);
  ASSERT_TRUE(f.ok) << f.error;
  EXPECT_EQ(f.peer_cn, "second");
  // A renewal half written (a certificate that does not parse) keeps the last good one.
  WriteFile(dir_ / "tls.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  f = FetchTls(port_, second.cert);
  ASSERT_TRUE(f.ok) << f.error;
  EXPECT_EQ(f.peer_cn, "second");
}

TEST(TlsFilesTest, UnreadableFilesAreNamedAndTheirContentIsNotQuoted) {
  const fs::path dir = fs::temp_directory_path() / ("x3ui-tls-bad-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Pem pem = SelfSigned("x");
  WriteFile(dir / "tls.crt", pem.cert);
  WriteFile(dir / "wrong.key", SelfSigned("y").key);
  WriteFile(dir / "garbage.crt", "secret-looking-garbage");
  Status missing = TlsFiles((dir / "none.crt").string(), (dir / "tls.key").string()).Load();
  EXPECT_EQ(missing.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(missing.message().find("none.crt"), std::string::npos) << missing.message();
  Status garbage = TlsFiles((dir / "garbage.crt").string(), (dir / "wrong.key").string()).Load();
  EXPECT_EQ(garbage.message().find("secret-looking-garbage"), std::string::npos) << garbage.message();
  Status mismatched = TlsFiles((dir / "tls.crt").string(), (dir / "wrong.key").string()).Load();
  EXPECT_EQ(mismatched.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(mismatched.message().find("wrong.key"), std::string::npos) << mismatched.message();
  EXPECT_EQ(TlsFiles((dir / "tls.crt").string(), (dir / "wrong.key").string()).Current(), nullptr);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace x3ui::http
