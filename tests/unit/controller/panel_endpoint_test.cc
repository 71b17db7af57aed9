// PanelEndpointFor against the fake API server: credentials leave the operator only from a Secret
// labelled x3ui.io/panel-credentials=true, and only for a panel host the policy allows.
#include "controller/panel_endpoint.h"

#include <gtest/gtest.h>

#include "pkg/common/base64.h"
#include "pkg/common/clock.h"
#include "pkg/kube/fake_client.h"

namespace x3ui::controller {
namespace {

using namespace std::chrono_literals;

constexpr char kPassword[] = "panel-password-secret";

class PanelEndpointForTest : public ::testing::Test {
 protected:
  void AddSecret(const std::string& name, kube::Json labels) {
    kube::Json meta = {{"name", name}};
    if (!labels.is_null()) meta["labels"] = std::move(labels);
    ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn",
                             {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta},
                              {"data", {{"username", Base64Encode("admin")}, {"password", Base64Encode(kPassword)}}}})
                    .ok());
  }
  api::VpnNode Node(const std::string& secret, const std::string& url = "http://127.0.0.1:8443/panel/") {
    api::VpnNode n;
    n.metadata.name = "fra-1";
    n.metadata.namespace_ = "vpn";
    n.spec.panel.url = url;
    n.spec.panel.credentials_secret_ref.name = secret;
    return n;
  }

  RealClock clock_;
  kube::FakeKubeClient kube_{&clock_};
};

TEST_F(PanelEndpointForTest, AnUnlabelledSecretIsRefusedNamingTheLabel) {
  AddSecret("plain", nullptr);
  std::string reason;
  auto ep = PanelEndpointFor(kube_, Node("plain"), 5s, PanelHostPolicy(), &reason);
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(reason, "CredentialsNotOptedIn");
  const std::string& msg = ep.status().message();
  EXPECT_NE(msg.find("Secret vpn/plain"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x3ui.io/panel-credentials=true"), std::string::npos) << msg;
  EXPECT_NE(msg.find("kubectl -n vpn label secret plain x3ui.io/panel-credentials=true"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kPassword), std::string::npos) << "never the Secret's values";
  EXPECT_EQ(msg.find("admin"), std::string::npos) << "never the Secret's values";
}

TEST_F(PanelEndpointForTest, OnlyTheValueTrueOptsIn) {
  for (const char* value : {"false", "yes", "True", ""}) {
    (void)kube_.Delete(kube::kSecrets, "vpn", "other");
    AddSecret("other", {{"x3ui.io/panel-credentials", value}, {"app", "db"}});
    std::string reason;
    EXPECT_FALSE(PanelEndpointFor(kube_, Node("other"), 5s, PanelHostPolicy(), &reason).ok()) << value;
    EXPECT_EQ(reason, "CredentialsNotOptedIn") << value;
  }
}

TEST_F(PanelEndpointForTest, ALabelledSecretGivesTheEndpoint) {
  AddSecret("panel", {{"x3ui.io/panel-credentials", "true"}});
  std::string reason;
  auto ep = PanelEndpointFor(kube_, Node("panel"), 5s, PanelHostPolicy(), &reason);
  ASSERT_TRUE(ep.ok()) << reason << ": " << ep.status().message();
  EXPECT_EQ(ep->panel.url, "http://127.0.0.1:8443/panel/");
  EXPECT_EQ(ep->panel.credentials.username, "admin");
  EXPECT_EQ(ep->panel.credentials.password, kPassword);
  EXPECT_EQ(ep->transport.timeout, 5s);
}

TEST_F(PanelEndpointForTest, ARefusedHostIsRefusedBeforeTheSecretIsRead) {
  AddSecret("panel", {{"x3ui.io/panel-credentials", "true"}});
  // The deny block needs every name resolved: panel-1 to a public address, the rest unknown.
  PanelHostPolicy policy(*ParseHostPatterns("*.example.com"), *ParseHostPatterns("169.254.0.0/16"),
                         [](const std::string& host) -> Result<std::vector<IpAddress>> {
                           if (host == "panel-1.example.com") return std::vector<IpAddress>{*ParseIpAddress("203.0.113.10")};
                           return Status::Unavailable("no such host " + host);
                         });
  struct Case {
    std::string url;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"https://panel-1.example.com/x/", true},
      {"https://PANEL-1.EXAMPLE.COM:2053/x/", true},
      {"http://169.254.169.254/latest/", false},
      {"http://127.0.0.1:8443/panel/", false},
      {"https://panel-1.example.com.evil.net/", false},
      {"https://[::1]:8443/", false},
  };
  for (const auto& c : cases) {
    std::string reason;
    auto ep = PanelEndpointFor(kube_, Node("panel", c.url), 5s, policy, &reason);
    EXPECT_EQ(ep.ok(), c.allowed) << c.url << ": " << (ep.ok() ? "" : ep.status().message());
    if (!c.allowed) {
      EXPECT_EQ(reason, "PanelHostRefused") << c.url;
    }
  }
  // The host is checked first: a refused host with a missing Secret says PanelHostRefused.
  std::string reason;
  EXPECT_FALSE(PanelEndpointFor(kube_, Node("missing", "http://169.254.169.254/"), 5s, policy, &reason).ok());
  EXPECT_EQ(reason, "PanelHostRefused");
}

TEST_F(PanelEndpointForTest, RefuseInsecurePanelsSendsNoCredentialToAnInsecurePanel) {
  AddSecret("panel", {{kPanelCredentialsLabel, "true"}});
  const PanelHostPolicy refusing = PanelHostPolicy().RefusingInsecureTransport(true);
  struct Case {
    const char* url;
    bool skip_verify;
    bool refused;
  };
  const Case cases[] = {
      {"http://127.0.0.1:8443/panel/", false, true},
      {"HTTP://panel.example.com/", false, true},
      {"https://panel.example.com/", true, true},
      {"https://panel.example.com/", false, false},
  };
  for (const Case& c : cases) {
    api::VpnNode node = Node("panel", c.url);
    node.spec.panel.insecure_skip_tls_verify = c.skip_verify;
    std::string reason;
    auto ep = PanelEndpointFor(kube_, node, 5s, refusing, &reason);
    EXPECT_EQ(ep.ok(), !c.refused) << c.url;
    if (c.refused) {
      EXPECT_EQ(reason, "InsecureTransportRefused") << c.url;
      EXPECT_NE(ep.status().message().find("--refuse-insecure-panels"), std::string::npos) << ep.status().message();
      EXPECT_EQ(ep.status().message().find("/panel/"), std::string::npos) << "quotes the URL's path";
    }
    std::string unused;
    EXPECT_TRUE(PanelEndpointFor(kube_, node, 5s, PanelHostPolicy(), &unused).ok()) << "off by default: " << c.url;
  }
  // Refused before any Secret is read: a missing Secret still says InsecureTransportRefused.
  std::string reason;
  EXPECT_FALSE(PanelEndpointFor(kube_, Node("missing"), 5s, refusing, &reason).ok());
  EXPECT_EQ(reason, "InsecureTransportRefused");
}

class CaBundleTest : public PanelEndpointForTest {
 protected:
  void AddCa(const std::string& name, const std::string& key, const std::string& pem) {
    ASSERT_TRUE(kube_.Create(kube::kSecrets, "vpn",
                             {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}}},
                              {"data", {{key, Base64Encode(pem)}}}})
                    .ok());
  }
  api::VpnNode WithCa(const std::string& secret, const std::string& key) {
    api::VpnNode n = Node("panel", "https://panel.example.com/");
    n.spec.panel.ca_secret_ref = api::SecretKeySelector{secret, key};
    return n;
  }
};

TEST_F(CaBundleTest, ABadOrMissingBundleIsAnErrorNamingTheSecretAndKey) {
  AddSecret("panel", {{kPanelCredentialsLabel, "true"}});
  const std::string garbled = "-----BEGIN CERTIFICATE-----\nMIIB!!!!not-base64!!!!\n-----END CERTIFICATE-----\n";
  AddCa("garbled-ca", "ca.crt", garbled);
  AddCa("text-ca", "bundle.pem", "MIIBsecret-looking text, no PEM");
  AddCa("other-key-ca", "tls.crt", garbled);
  struct Case {
    const char* secret;
    const char* key;  // as the spec gives it ("" is ca.crt)
    const char* reason;
    const char* names;  // what the message must say
  };
  const Case cases[] = {
      {"garbled-ca", "", "CaInvalid", "Secret vpn/garbled-ca key ca.crt"},
      {"text-ca", "bundle.pem", "CaInvalid", "Secret vpn/text-ca key bundle.pem"},
      {"other-key-ca", "", "CaBundleMissing", "Secret vpn/other-key-ca key ca.crt"},
      {"no-such-ca", "ca.crt", "CaBundleMissing", "Secret vpn/no-such-ca key ca.crt"},
  };
  for (const Case& c : cases) {
    std::string reason;
    auto ep = PanelEndpointFor(kube_, WithCa(c.secret, c.key), 5s, PanelHostPolicy(), &reason);
    ASSERT_FALSE(ep.ok()) << c.secret;
    EXPECT_EQ(reason, c.reason) << c.secret << ": " << ep.status().ToString();
    EXPECT_NE(ep.status().message().find(c.names), std::string::npos) << ep.status().message();
    EXPECT_EQ(ep.status().message().find("MIIB"), std::string::npos) << "quotes the bundle: " << ep.status().message();
  }
}

}  // namespace
}  // namespace x3ui::controller
