// The panel client against x3ui-sim (in process, on loopback ports), for every API flavor:
// every operation, re-login, CSRF, the login limiter, duplicates, the last-client trap,
// partial failures, timeouts, outages, and per-panel serialisation of mutations.
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "pkg/x3ui/add_batcher.h"
#include "pkg/x3ui/session_pool.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::panel {
namespace {

using x3ui::testing::Eventually;
using x3ui::testing::FreePort;
using namespace std::chrono_literals;
using sim::Flavor;



struct FlavorCase {
  Flavor flavor;
  ApiFlavor detected;
};

void PrintTo(const FlavorCase& c, std::ostream* os) { *os << sim::FlavorName(c.flavor); }

class PanelSimTest : public ::testing::TestWithParam<FlavorCase> {
 protected:
  void SetUp() override {
    sim::PanelConfig p;
    p.name = "p1";
    p.port = FreePort();
    p.base_path = "/secret-base/";
    p.username = "admin";
    p.password = "correct-horse";
    p.api_token = "token-abc";
    p.flavor = GetParam().flavor;
    p.inbounds = sim::DefaultInbounds("p1");
    sim::SimInbound lonely{3, 9443, "vless", "lonely", "inbound-9443",
                           {{"clients", Json::array({{{"id", "11111111-1111-4111-8111-111111111111"},
                                                      {"email", "only-one"},
                                                      {"enable", true}}})}},
                           Json::object(), true};
    p.inbounds.push_back(lonely);
    url_ = "http://127.0.0.1:" + std::to_string(p.port) + "/secret-base/";
    server_ = std::make_unique<sim::SimServer>(std::vector<sim::PanelConfig>{p}, FreePort());
    ASSERT_TRUE(server_->Start().ok());
    panel_ = server_->panel("p1");
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<PanelClient> MakeClient(PanelCredentials creds = {"admin", "correct-horse", ""},
                                      std::chrono::milliseconds timeout = 5s) {
    TransportOptions t;
    t.base_url = url_;
    t.timeout = timeout;
    auto transport = NewCppRestTransport(t);
    EXPECT_TRUE(transport.ok());
    return std::make_unique<PanelClient>(PanelOptions{url_, creds}, std::move(transport).value(), &clock_);
  }
  int64_t Counter(const std::string& name) { return panel_->Describe()["counters"].value(name, 0); }
  // How the pool reaches p1 with the right password.
  PanelEndpoint Endpoint() const { return PanelEndpoint{{url_, {"admin", "correct-horse", ""}}, {}}; }
  // A client already on inbound 1 whose email ("taken") a new user will ask for.
  void AddTakenClient() {
    ASSERT_TRUE(panel_->AddClientByHand(1, {{"id", "9e1b8a4e-0000-4000-8000-000000000077"}, {"email", "taken"}, {"enable", true}}));
  }
  Json SimClients(int64_t inbound) {
    Json state = panel_->Describe();
    for (const auto& in : state["inbounds"]) {
      if (in["id"] == inbound) return in["clients"];
    }
    return Json::array();
  }
  bool SimHasEmail(int64_t inbound, const std::string& email) {
    for (const auto& c : SimClients(inbound)) {
      if (c["email"] == email) return true;
    }
    return false;
  }
  bool classic() const { return GetParam().flavor != Flavor::kV31; }

  RealClock clock_;
  std::string url_;
  std::unique_ptr<sim::SimServer> server_;
  sim::SimPanel* panel_ = nullptr;
};

Client NewClient(const std::string& email, const std::string& protocol) {
  Client c;
  c.email = email;
  if (protocol == "trojan") {
    c.password = "pw-" + email;
  } else {
    c.id = "7c9e6679-7425-40de-944b-" + std::to_string(100000000000 + std::hash<std::string>{}(email) % 899999999999);
    c.flow = "xtls-rprx-vision";
  }
  c.sub_id = "sub-" + email;
  c.comment = "x3ui-operator";
  return c;
}

bool FindClientIn(const std::vector<Inbound>& inbounds, int64_t id, const std::string& email) {
  for (const auto& in : inbounds) {
    for (const auto& c : in.clients) {
      if (in.id == id && c.email == email) return true;
    }
  }
  return false;
}

Inbound Ref(int64_t id, const std::string& protocol) {
  Inbound in;
  in.id = id;
  in.protocol = protocol;
  return in;
}

TEST_P(PanelSimTest, DetectsFlavorAndReadsStatusAndInbounds) {
  auto c = MakeClient();
  ASSERT_TRUE(c->Connect().ok());
  EXPECT_EQ(c->flavor(), GetParam().detected);
  ASSERT_TRUE(Eventually([&] { return c->GetServerStatus().ok(); })) << "status is null for 2 s after start";
  Result<ServerStatus> s = c->GetServerStatus();
  EXPECT_TRUE(s->healthy());
  Result<std::vector<Inbound>> list = c->ListInbounds();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].clients.at(0).email, "owner-p1-vless");
  EXPECT_EQ((*list)[0].stream_settings["security"], "reality");
  EXPECT_EQ((*list)[1].clients.at(0).password, "owner-password");
}

TEST_P(PanelSimTest, AddUpdateTrafficDeleteRoundTrip) {
  auto c = MakeClient();
  std::vector<Client> batch = {NewClient("a@x", "vless"), NewClient("b@x", "vless"), NewClient("c@x", "vless")};
  batch[2].total_bytes = 10737418240;
  batch[2].limit_ip = 2;
  ASSERT_TRUE(c->AddClients(Ref(1, "vless"), batch).ok());
  EXPECT_EQ(Counter("addClient"), classic() ? 1 : 3) << "classic panels take a batch in one call";
  Result<std::vector<Inbound>> list = c->ListInbounds();
  ASSERT_TRUE(list.ok());
  const auto& clients = (*list)[0].clients;
  ASSERT_EQ(clients.size(), 4u);
  EXPECT_EQ(clients[3].email, "c@x");
  EXPECT_EQ(clients[3].total_bytes, 10737418240);
  EXPECT_EQ(clients[3].id, batch[2].id) << "the UUID we chose is kept";

  Client changed = batch[1];
  changed.enable = false;
  changed.expiry_time = 1767225600000;
  ASSERT_TRUE(c->UpdateClient(Ref(1, "vless"), batch[1].id, changed).ok());
  list = c->ListInbounds();
  EXPECT_FALSE((*list)[0].clients[2].enable);
  EXPECT_EQ((*list)[0].clients[2].expiry_time, 1767225600000);

  Result<ClientStat> t = c->GetClientTraffic("a@x");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->email, "a@x");
  EXPECT_TRUE(c->Onlines().ok());

  ASSERT_TRUE(c->DeleteClient(Ref(1, "vless"), batch[0]).ok());
  EXPECT_FALSE(SimHasEmail(1, "a@x"));
  EXPECT_TRUE(SimHasEmail(1, "owner-p1-vless")) << "the foreign client is untouched";
  EXPECT_EQ(c->GetClientTraffic("a@x").status().code(), Status::Code::kNotFound);
}

TEST_P(PanelSimTest, DuplicateEmailIsCaseInsensitiveAcrossInbounds) {
  auto c = MakeClient();
  ASSERT_TRUE(c->AddClients(Ref(1, "vless"), {NewClient("alice@x", "vless")}).ok());
  Status s = c->AddClients(Ref(2, "trojan"), {NewClient("fresh@x", "trojan"), NewClient("ALICE@x", "trojan")});
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "DuplicateEmail") << s.ToString();
  // Classic panels refuse the whole batch; 3.1 takes one client per call, so the first stays.
  EXPECT_EQ(SimHasEmail(2, "fresh@x"), !classic());
}

TEST_P(PanelSimTest, LastClientOfAnInbound) {
  auto c = MakeClient();
  Client only;
  only.email = "only-one";
  only.id = "11111111-1111-4111-8111-111111111111";
  Status s = c->DeleteClient(Ref(3, "vless"), only);
  if (classic()) {
    EXPECT_EQ(s.reason(), "LastClient") << s.ToString();
    EXPECT_TRUE(SimHasEmail(3, "only-one"));
  } else {
    EXPECT_TRUE(s.ok()) << "3.1 can delete an inbound's last client";
  }
}

TEST_P(PanelSimTest, DeletingAnUnknownClient) {
  auto c = MakeClient();
  Client ghost = NewClient("ghost@x", "vless");
  Status s = c->DeleteClient(Ref(1, "vless"), ghost);
  if (GetParam().flavor <= Flavor::kV28) {
    EXPECT_TRUE(s.ok()) << "up to 2.9.3 an unknown id is reported as success";
  } else {
    EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.ToString();
  }
}

TEST_P(PanelSimTest, ExpiredSessionLogsInAgainOnce) {
  auto c = MakeClient();
  ASSERT_TRUE(c->ListInbounds().ok());
  int64_t logins = Counter("login");
  panel_->ExpireSessions();
  ASSERT_TRUE(c->ListInbounds().ok());
  EXPECT_EQ(Counter("login"), logins + 1);
  panel_->Restart();
  ASSERT_TRUE(c->ListInbounds().ok()) << "a panel restart also drops sessions";
  EXPECT_EQ(Counter("login"), logins + 2);
}

TEST_P(PanelSimTest, StatusIsNotReadyRightAfterRestart) {
  auto c = MakeClient();
  panel_->Restart();
  Result<ServerStatus> s = c->GetServerStatus();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().reason(), "StatusNotReady");
  EXPECT_TRUE(Eventually([&] { return c->GetServerStatus().ok(); }));
}

TEST_P(PanelSimTest, WrongPasswordNeverTripsTheLoginLimiter) {
  auto c = MakeClient({"admin", "wrong-password", ""});
  for (int i = 0; i < 30; ++i) {
    Status s = c->ListInbounds().status();
    ASSERT_EQ(s.code(), Status::Code::kUnauthenticated);
    EXPECT_EQ(s.message().find("wrong-password"), std::string::npos);
  }
  EXPECT_EQ(Counter("loginFailed"), 1) << "one attempt, then backoff";
  auto good = MakeClient();
  EXPECT_TRUE(good->ListInbounds().ok()) << "the account is not locked for the right password";
}

TEST_P(PanelSimTest, OutageHangAndServerErrors) {
  auto c = MakeClient({"admin", "correct-horse", ""}, 700ms);
  ASSERT_TRUE(c->ListInbounds().ok());
  sim::Faults f;
  f.outage = true;
  ASSERT_TRUE(server_->SetFaults("p1", f).ok());
  EXPECT_EQ(c->ListInbounds().status().code(), Status::Code::kUnavailable) << c->ListInbounds().status().ToString();
  f = {};
  f.hang = true;
  ASSERT_TRUE(server_->SetFaults("p1", f).ok());
  EXPECT_EQ(c->ListInbounds().status().code(), Status::Code::kDeadlineExceeded);
  f = {};
  f.fail_500 = true;
  ASSERT_TRUE(server_->SetFaults("p1", f).ok());
  Status s = c->ListInbounds().status();
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.reason(), "HttpStatus");
  ASSERT_TRUE(server_->SetFaults("p1", sim::Faults{}).ok());
  EXPECT_TRUE(Eventually([&] { return c->ListInbounds().ok(); })) << "recovers when the faults are lifted";
}

TEST_P(PanelSimTest, BearerToken) {
  auto c = MakeClient({"", "", "token-abc"});
  Result<std::vector<Inbound>> r = c->ListInbounds();
  if (GetParam().flavor >= Flavor::kV30) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Counter("login"), 0);
  } else {
    EXPECT_FALSE(r.ok()) << "2.x has no API tokens";
  }
}

TEST_P(PanelSimTest, PoolSerialisesMutationsOfOnePanel) {
  sim::Faults slow;
  slow.latency_ms = 25;  // widen the window in which two mutations could overlap
  ASSERT_TRUE(server_->SetFaults("p1", slow).ok());
  RealClock clock;
  PanelSessionPool pool(&clock);
  const PanelEndpoint ep = Endpoint();
  auto session = pool.Get("vpn/p1", ep);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(pool.Get("vpn/p1", ep)->get(), session->get()) << "one session per panel";
  std::vector<std::thread> writers;
  std::vector<Status> results(4);
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      std::vector<Client> batch;
      for (int i = 0; i < 3; ++i) batch.push_back(NewClient("w" + std::to_string(w) + "-" + std::to_string(i), "vless"));
      results[w] = (*session)->AddClientsVerified(Ref(1, "vless"), batch);
    });
  }
  for (auto& t : writers) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(SimClients(1).size(), 13u);
  EXPECT_EQ(panel_->Describe()["overlapping_mutations"], 0) << "no two mutations of one panel at once";
  // Without the pool's lock they do overlap, which a real panel can turn into a lost write.
  std::vector<std::thread> raw;
  auto direct = MakeClient();
  ASSERT_TRUE(direct->Connect().ok());
  for (int w = 0; w < 4; ++w) {
    raw.emplace_back([&, w] { (void)direct->AddClients(Ref(1, "vless"), {NewClient("raw" + std::to_string(w), "vless")}); });
  }
  for (auto& t : raw) t.join();
  EXPECT_GT(panel_->Describe()["overlapping_mutations"].get<int>(), 0);
  PanelEndpoint changed = ep;
  changed.panel.credentials.password = "rotated";
  EXPECT_NE(pool.Get("vpn/p1", changed)->get(), session->get()) << "new credentials, new session";
}

// Concurrent new users of one inbound share panel calls (group commit), and a user whose email
// is taken fails alone.
TEST_P(PanelSimTest, ConcurrentAddsAreBatchedAndABadOneFailsAlone) {
  sim::Faults slow;
  slow.latency_ms = 20;  // while one call is in flight, the others queue up behind it
  ASSERT_TRUE(server_->SetFaults("p1", slow).ok());
  RealClock clock;
  PanelSessionPool pool(&clock);
  auto session = pool.Get("vpn/p1", Endpoint());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->client().Connect().ok());
  AddTakenClient();
  const int64_t before = Counter("addClient");
  constexpr int kUsers = 24;
  std::vector<Status> results(kUsers);
  std::vector<std::thread> users;
  for (int u = 0; u < kUsers; ++u) {
    users.emplace_back([&, u] {
      // User 7 wants the email of a client already on the panel (case differs: still taken).
      Client c = NewClient(u == 7 ? "TAKEN" : "user" + std::to_string(u), "vless");
      results[u] = (*session)->AddClientsVerified(Ref(1, "vless"), {c});
    });
  }
  for (auto& t : users) t.join();
  for (int u = 0; u < kUsers; ++u) EXPECT_EQ(results[u].ok(), u != 7) << u << ": " << results[u].ToString();
  std::set<std::string> emails;
  for (const auto& c : SimClients(1)) emails.insert(c.value("email", ""));
  for (int u = 0; u < kUsers; ++u) {
    if (u != 7) {
      EXPECT_TRUE(emails.count("user" + std::to_string(u))) << u;
    }
  }
  const int64_t calls = Counter("addClient") - before;
  // One call per user without batching (plus the retries of a refused batch with batching).
  // 3.1's clients API takes one client per call whatever we do.
  if (GetParam().flavor != Flavor::kV31) {
    EXPECT_LT(calls, kUsers) << "concurrent adds share calls";
  }
  std::cout << "addClient calls for " << kUsers << " concurrent users: " << calls << "\n";
  EXPECT_EQ(panel_->Describe()["overlapping_mutations"], 0);
}

// The batcher gathers users submitted one by one into one addClient call per inbound (3.1: one
// per client, its API's limit), a taken email fails alone, and every user's reconciler is woken
// exactly once with its outcome.
TEST_P(PanelSimTest, BatcherAddsManyUsersInFewCallsAndIsolatesABadOne) {
  RealClock clock;
  PanelSessionPool pool(&clock);
  auto session = pool.Get("vpn/p1", Endpoint());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->client().Connect().ok());
  AddTakenClient();
  const int64_t before = Counter("addClient");
  constexpr int kUsers = 60;
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> woken;
  std::vector<AddBatcher::FlushReport> reports;
  {
    AddBatcher batcher(
        AddBatcher::Options{std::chrono::milliseconds(100), std::chrono::milliseconds(5000)},
        [&](const std::string& key) {
          std::lock_guard<std::mutex> l(mu);
          ++woken[key];
          cv.notify_all();
        },
        [&](const AddBatcher::FlushReport& r) {
          std::lock_guard<std::mutex> l(mu);
          reports.push_back(r);
        });
    for (int u = 0; u < kUsers; ++u) {
      Client c = NewClient(u == 7 ? "TAKEN" : "user" + std::to_string(u), "vless");
      batcher.Submit(*session, "vpn/u" + std::to_string(u), {{Ref(1, "vless"), c}});
      EXPECT_TRUE(batcher.Pending("vpn/u" + std::to_string(u)));
    }
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return woken.size() == kUsers; }));
    for (int u = 0; u < kUsers; ++u) {
      const std::string key = "vpn/u" + std::to_string(u);
      EXPECT_EQ(woken[key], 1) << key;
      EXPECT_FALSE(batcher.Pending(key));
      std::optional<Status> r = batcher.TakeResult(key);
      ASSERT_TRUE(r.has_value()) << key;
      EXPECT_EQ(r->ok(), u != 7) << key << ": " << r->ToString();
      EXPECT_FALSE(batcher.TakeResult(key).has_value()) << "handed out once";
    }
  }
  std::set<std::string> emails;
  for (const auto& c : SimClients(1)) emails.insert(c.value("email", ""));
  for (int u = 0; u < kUsers; ++u) {
    if (u != 7) {
      EXPECT_TRUE(emails.count("user" + std::to_string(u))) << u;
    }
  }
  const int64_t calls = Counter("addClient") - before;
  size_t added = 0, failed = 0;
  for (const auto& r : reports) added += r.added, failed += r.failed;
  EXPECT_EQ(added, kUsers - 1u);
  EXPECT_EQ(failed, 1u);
  if (GetParam().flavor != Flavor::kV31) {
    // One call for all, then the halving that isolates user 7: about 2 log2(60) more.
    EXPECT_LE(calls, 1 + 2 * 6) << "one batch, not one call per user";
  }
  std::cout << "addClient calls for " << kUsers << " users submitted one by one: " << calls << "\n";
  EXPECT_EQ(panel_->Describe()["overlapping_mutations"], 0);
}

// A listing is reused while fresh and no mutation went through the session; a mutation, or a
// zero max age (the prober), asks the panel again.
TEST_P(PanelSimTest, SessionReusesAFreshListingUntilAMutation) {
  RealClock clock;
  PanelSessionPool pool(&clock);
  auto session = pool.Get("vpn/p1", Endpoint());
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(pool.Find("vpn/p1").get(), session->get());
  EXPECT_EQ(pool.Find("vpn/p2"), nullptr);
  auto lists = [&] { return Counter("list"); };
  const std::chrono::minutes fresh(1);
  ASSERT_TRUE((*session)->ListInbounds(fresh).ok());
  const int64_t after_first = lists();
  ASSERT_TRUE((*session)->ListInbounds(fresh).ok());
  EXPECT_EQ(lists(), after_first) << "reused";
  ASSERT_TRUE((*session)->ListInbounds().ok());
  EXPECT_EQ(lists(), after_first + 1) << "max age 0 always lists";
  ASSERT_TRUE((*session)->AddClientsVerified(Ref(1, "vless"), {NewClient("cached", "vless"), NewClient("kept", "vless")}).ok());
  const int64_t after_add = lists();
  Result<std::vector<Inbound>> seen = (*session)->ListInbounds(fresh);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(lists(), after_add) << "the re-read after the add is the kept listing";
  EXPECT_TRUE(FindClientIn(*seen, 1, "cached"));
  Client c = NewClient("cached", "vless");
  ASSERT_TRUE((*session)->Mutate([&](PanelClient& pc) { return pc.DeleteClient(Ref(1, "vless"), c); }).ok());
  seen = (*session)->ListInbounds(fresh);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(lists(), after_add + 1) << "a mutation drops the kept listing";
  EXPECT_FALSE(FindClientIn(*seen, 1, "cached"));
}

// A panel nobody submits to for the idle period loses its flusher thread and the batcher's hold
// on its session: a deleted node's logged-in session is not kept alive by the batcher. The next
// submission to it starts a new flusher and works as before.
TEST_P(PanelSimTest, BatcherLetsAnIdlePanelsFlusherAndSessionGo) {
  RealClock clock;
  PanelSessionPool pool(&clock);
  auto session = pool.Get("vpn/p1", Endpoint());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->client().Connect().ok());
  std::weak_ptr<PanelSession> weak = *session;
  std::atomic<int> woken{0};
  AddBatcher batcher(AddBatcher::Options{std::chrono::milliseconds(20), std::chrono::milliseconds(500),
                                         std::chrono::milliseconds(300)},
                     [&](const std::string&) { ++woken; });
  batcher.Submit(*session, "vpn/u1", {{Ref(1, "vless"), NewClient("idle-user1", "vless")}});
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return woken.load() == 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(batcher.Lanes(), 1u);
  // The node is deleted: the pool forgets the session, and so does the batcher once idle.
  pool.Remove("vpn/p1");
  session->reset();
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return batcher.Lanes() == 0 && weak.expired(); }, std::chrono::seconds(10)))
      << "the idle flusher still holds the session";
  EXPECT_FALSE(batcher.TakeResult("vpn/u1").has_value()) << "an outcome nobody took goes with its flusher";
  auto again = pool.Get("vpn/p1", Endpoint());
  ASSERT_TRUE(again.ok());
  batcher.Submit(*again, "vpn/u2", {{Ref(1, "vless"), NewClient("idle-user2", "vless")}});
  ASSERT_TRUE(x3ui::testing::Eventually([&] { return woken.load() == 2; }, std::chrono::seconds(10)));
  std::optional<Status> r = batcher.TakeResult("vpn/u2");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok()) << r->ToString();
}

INSTANTIATE_TEST_SUITE_P(Flavors, PanelSimTest,
                         ::testing::Values(FlavorCase{Flavor::kV28Legacy, ApiFlavor::kClassic},
                                           FlavorCase{Flavor::kV28, ApiFlavor::kClassic},
                                           FlavorCase{Flavor::kV30, ApiFlavor::kClassicCsrf},
                                           FlavorCase{Flavor::kV31, ApiFlavor::kClientsApi}),
                         [](const auto& info) {
                           std::string n = sim::FlavorName(info.param.flavor);
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return "v" + n;
                         });

}  // namespace
}  // namespace x3ui::panel
