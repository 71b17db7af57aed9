// Every panel call made to fail against x3ui-sim (404, 500, a garbled page, connection
// refused), for every API flavor: no message quotes a request path, a client's key (classic
// panels carry it in the path) or the panel's web base path. Messages reach conditions, Events,
// logs and the ledger.
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "pkg/x3ui/panel_client.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::panel {
namespace {

using x3ui::testing::FreePort;
using namespace std::chrono_literals;
using sim::Flavor;

// Keys a real panel would hold; each must stay out of every message.
constexpr const char* kTrojanPassword = "Tr0janKey-5be1c7d2";
constexpr const char* kVlessUuid = "3d5e1a0c-9b7f-4c2e-8a61-0f4b2c9d7e13";
constexpr const char* kBasePath = "k3m9x2p7q1w8e5r4x";

struct Fault {
  const char* name;
  std::function<sim::Faults()> faults;
};

const Fault kFaults[] = {
    {"404", [] { sim::Faults f; f.api_fault = "not_found"; return f; }},
    {"500", [] { sim::Faults f; f.fail_500 = true; return f; }},
    {"garbled", [] { sim::Faults f; f.api_fault = "garbled"; return f; }},
    {"refused", [] { sim::Faults f; f.outage = true; return f; }},
};

struct Op {
  const char* name;
  std::function<Status(PanelClient&)> call;
};

Inbound Ref(int64_t id, const std::string& protocol) {
  Inbound in;
  in.id = id;
  in.protocol = protocol;
  return in;
}

Client Trojan() {
  Client c;
  c.email = "carol-mail";
  c.password = kTrojanPassword;
  return c;
}

Client Vless() {
  Client c;
  c.email = "dave-mail";
  c.id = kVlessUuid;
  return c;
}

const Op kOps[] = {
    {"status", [](PanelClient& c) { return c.GetServerStatus().status(); }},
    {"list", [](PanelClient& c) { return c.ListInbounds().status(); }},
    {"add", [](PanelClient& c) { return c.AddClients(Ref(2, "trojan"), {Trojan()}); }},
    {"update trojan", [](PanelClient& c) { return c.UpdateClient(Ref(2, "trojan"), kTrojanPassword, Trojan()); }},
    {"update vless", [](PanelClient& c) { return c.UpdateClient(Ref(1, "vless"), kVlessUuid, Vless()); }},
    {"delete trojan", [](PanelClient& c) { return c.DeleteClient(Ref(2, "trojan"), Trojan()); }},
    {"delete vless", [](PanelClient& c) { return c.DeleteClient(Ref(1, "vless"), Vless()); }},
    {"traffic", [](PanelClient& c) { return c.GetClientTraffic("carol-mail").status(); }},
    {"onlines", [](PanelClient& c) { return c.Onlines().status(); }},
};

void ExpectNoPathOrKey(const Status& s, const std::string& where) {
  ASSERT_FALSE(s.ok()) << where;
  const std::string m = s.ToString();
  for (const char* secret : {kTrojanPassword, kVlessUuid, kBasePath, "panel/api", "inbounds/", "delClient",
                             "updateClient", "clients/", "getClientTraffics", "correct-horse"}) {
    EXPECT_EQ(m.find(secret), std::string::npos) << where << " quotes \"" << secret << "\": " << m;
  }
}

class ErrorMessagesTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    sim::PanelConfig p;
    p.name = "p1";
    p.port = FreePort();
    p.base_path = std::string("/") + kBasePath + "/";
    p.username = "admin";
    p.password = "correct-horse";
    p.flavor = GetParam();
    p.inbounds = sim::DefaultInbounds("p1");
    host_port_ = "127.0.0.1:" + std::to_string(p.port);
    url_ = "http://" + host_port_ + p.base_path;
    server_ = std::make_unique<sim::SimServer>(std::vector<sim::PanelConfig>{p}, FreePort());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<PanelClient> Connected() {
    TransportOptions t;
    t.base_url = url_;
    t.timeout = 5s;
    auto transport = NewCppRestTransport(t);
    EXPECT_TRUE(transport.ok());
    auto c = std::make_unique<PanelClient>(PanelOptions{url_, {"admin", "correct-horse", ""}},
                                           std::move(transport).value(), &clock_);
    Status s = c->Connect();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return c;
  }

  RealClock clock_;
  std::string host_port_;
  std::string url_;
  std::unique_ptr<sim::SimServer> server_;
};

TEST_P(ErrorMessagesTest, NoFailureQuotesAPathOrAClientKey) {
  for (const Fault& fault : kFaults) {
    for (const Op& op : kOps) {
      const std::string where = std::string(sim::FlavorName(GetParam())) + ", " + fault.name + ", " + op.name;
      auto client = Connected();  // logged in, flavor known: the fault hits the call itself
      ASSERT_TRUE(server_->SetFaults("p1", fault.faults()).ok());
      Status s = op.call(*client);
      ExpectNoPathOrKey(s, where);
      EXPECT_NE(s.message().find(host_port_), std::string::npos) << where << ": names the panel: " << s.ToString();
      ASSERT_TRUE(server_->SetFaults("p1", sim::Faults{}).ok());
    }
  }
}

TEST_P(ErrorMessagesTest, ClientOperationsNameTheOperationAndTheInbound) {
  auto client = Connected();
  ASSERT_TRUE(server_->SetFaults("p1", kFaults[1].faults()).ok());  // 500
  Status s = client->DeleteClient(Ref(2, "trojan"), Trojan());
  EXPECT_NE(s.message().find("deleting client carol-mail from inbound 2 on panel " + host_port_), std::string::npos)
      << s.ToString();
  s = client->UpdateClient(Ref(1, "vless"), kVlessUuid, Vless());
  EXPECT_NE(s.message().find("updating client dave-mail in inbound 1"), std::string::npos) << s.ToString();
}

TEST_P(ErrorMessagesTest, NoPanelAtAllIsNamedByHostAndPort) {
  const std::string url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/" + kBasePath + "/";
  TransportOptions t;
  t.base_url = url;
  t.timeout = 5s;
  auto transport = NewCppRestTransport(t);
  ASSERT_TRUE(transport.ok());
  PanelClient c({url, {"admin", "correct-horse", ""}}, std::move(transport).value(), &clock_);
  for (const Op& op : kOps) ExpectNoPathOrKey(op.call(c), std::string("refused before login, ") + op.name);
  PanelClient token({url, {"", "", "tok"}}, std::move(NewCppRestTransport(t)).value(), &clock_);
  for (const Op& op : kOps) ExpectNoPathOrKey(op.call(token), std::string("refused with a token, ") + op.name);
}

TEST(TransportUrlTest, AnInvalidUrlIsRefusedWithoutQuotingItsPath) {
  TransportOptions t;
  t.base_url = std::string("http://127.0.0.1:1/") + kBasePath + "/ bad url";
  auto transport = NewCppRestTransport(t);
  ASSERT_FALSE(transport.ok());
  EXPECT_EQ(transport.status().message().find(kBasePath), std::string::npos) << transport.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Flavors, ErrorMessagesTest, ::testing::Values(Flavor::kV28, Flavor::kV30, Flavor::kV31),
                         [](const auto& info) {
                           std::string n = sim::FlavorName(info.param);
                           for (char& ch : n) {
                             if (ch == '.' || ch == '-') ch = '_';
                           }
                           return "v" + n;
                         });

}  // namespace
}  // namespace x3ui::panel
