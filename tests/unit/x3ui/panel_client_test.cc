// PanelClient against a scripted transport: session handling, CSRF, tokens, flavors, backoff,
// and that credentials never leak into errors.
#include "pkg/x3ui/panel_client.h"

#include <deque>

#include <gtest/gtest.h>

#include "tests/unit/x3ui/fixtures.h"

namespace x3ui::panel {
namespace {

using namespace std::chrono_literals;

// Answers each request with the next scripted response whose method+path match, in order.
class ScriptedTransport : public HttpTransport {
 public:
  struct Step {
    std::string method, path;
    Result<HttpResponse> reply;
  };
  void Expect(std::string method, std::string path, int status, std::string body,
              std::multimap<std::string, std::string> headers = {}) {
    steps_.push_back({std::move(method), std::move(path), HttpResponse{status, std::move(headers), std::move(body)}});
  }
  void ExpectError(std::string method, std::string path, Status error) {
    steps_.push_back({std::move(method), std::move(path), std::move(error)});
  }
  Result<HttpResponse> Send(const HttpRequest& req) override {
    sent.push_back(req);
    if (steps_.empty()) return Status::Internal("unexpected request " + req.method + " " + req.path);
    Step s = steps_.front();
    steps_.pop_front();
    if (s.method != req.method || s.path != req.path) {
      return Status::Internal("expected " + s.method + " " + s.path + ", got " + req.method + " " + req.path);
    }
    return s.reply;
  }
  bool Done() const { return steps_.empty(); }
  std::string HeaderOf(size_t i, const std::string& name) const {
    for (const auto& [k, v] : sent.at(i).headers) {
      if (k == name) return v;
    }
    return "";
  }
  std::vector<HttpRequest> sent;

 private:
  std::deque<Step> steps_;
};

const char* kListOk = R"({"success":true,"msg":"","obj":[]})";

class PanelClientTest : public ::testing::Test {
 protected:
  PanelClient Make(PanelCredentials creds = {"admin", "hunter2-secret", ""}) {
    auto t = std::make_unique<ScriptedTransport>();
    transport_ = t.get();
    return PanelClient({"https://panel.example.com:2053/base/", creds}, std::move(t), &clock_,
                       [this](const std::string& op, const std::string& outcome, std::chrono::milliseconds) {
                         observed_.push_back(op + ":" + outcome);
                       });
  }
  void ExpectClassicLogin(const std::string& cookie = "3x-ui=sess-1") {
    transport_->Expect("GET", "csrf-token", 404, "");
    transport_->Expect("POST", "login", 200, testing::kF1, {{"set-cookie", cookie + "; Path=/; Max-Age=21600; HttpOnly"}});
  }

  FakeClock clock_{TimePoint{} + 1000h};
  ScriptedTransport* transport_ = nullptr;
  std::vector<std::string> observed_;
};

TEST_F(PanelClientTest, LogsInOnceAndSendsTheSessionCookie) {
  PanelClient c = Make();
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  ASSERT_TRUE(c.ListInbounds().ok());
  ASSERT_TRUE(c.ListInbounds().ok());
  EXPECT_TRUE(transport_->Done());
  EXPECT_EQ(transport_->HeaderOf(2, "Cookie"), "3x-ui=sess-1");
  EXPECT_EQ(transport_->HeaderOf(2, "X-Requested-With"), "XMLHttpRequest");
  EXPECT_EQ(Json::parse(transport_->sent[1].body), Json({{"username", "admin"}, {"password", "hunter2-secret"}}));
  EXPECT_EQ(observed_, (std::vector<std::string>{"csrf:success", "login:success", "list:success", "list:success"}));
}

TEST_F(PanelClientTest, ExpiredSessionLogsInAgainOnceThenRetries) {
  PanelClient c = Make();
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  transport_->Expect("GET", "panel/api/inbounds/list", 404, "");  // F3: session gone
  ExpectClassicLogin("3x-ui=sess-2");
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  ASSERT_TRUE(c.ListInbounds().ok());
  ASSERT_TRUE(c.ListInbounds().ok());
  EXPECT_TRUE(transport_->Done());
  EXPECT_EQ(transport_->HeaderOf(6, "Cookie"), "3x-ui=sess-2");
}

TEST_F(PanelClientTest, SecondNotFoundMeansEndpointMissing) {
  PanelClient c = Make();
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/server/status", 404, "");
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/server/status", 404, "");
  Result<ServerStatus> s = c.GetServerStatus();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(s.status().reason(), "EndpointMissing");
  EXPECT_EQ(s.status().message(),
            "server status on panel panel.example.com:2053: endpoint missing on this panel version");
}

TEST_F(PanelClientTest, WrongPasswordBacksOffInsteadOfHammering) {
  PanelClient c = Make();
  transport_->Expect("GET", "csrf-token", 404, "");
  transport_->Expect("POST", "login", 200, testing::kF2);
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "LoginFailed");
  // Many reconciles in the next minute: not one more login attempt.
  for (int i = 0; i < 50; ++i) {
    Result<std::vector<Inbound>> again = c.ListInbounds();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().reason(), "LoginBackoff");
    clock_.Advance(1s);
  }
  EXPECT_EQ(transport_->sent.size(), 2u);
  clock_.Advance(11s);  // 61 s after the failure
  transport_->Expect("POST", "login", 200, testing::kF2);
  EXPECT_EQ(c.ListInbounds().status().reason(), "LoginFailed");
  clock_.Advance(61s);  // the backoff doubled to 120 s
  EXPECT_EQ(c.ListInbounds().status().reason(), "LoginBackoff");
  clock_.Advance(60s);
  transport_->Expect("POST", "login", 200, testing::kF1, {{"set-cookie", "3x-ui=ok"}});
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  EXPECT_TRUE(c.ListInbounds().ok());
  EXPECT_EQ(transport_->sent.size(), 5u) << "three logins in three minutes, never five in five";
}

TEST_F(PanelClientTest, CsrfTokenGoesWithLoginAndEveryPost) {
  PanelClient c = Make();
  transport_->Expect("GET", "csrf-token", 200, R"({"success":true,"msg":"","obj":"tok-123"})",
                     {{"set-cookie", "3x-ui=pre-session; Path=/base/"}});
  transport_->Expect("POST", "login", 200, testing::kF1);
  transport_->Expect("GET", "panel/api/clients/list", 404, "");  // flavor: classic behind CSRF
  transport_->Expect("POST", "panel/api/inbounds/addClient", 200, testing::kF5);
  Inbound in;
  in.id = 1;
  in.protocol = "vless";
  Client cl;
  cl.email = "dave";
  cl.id = "5f1c0e2a-7b3d-4c8e-9f60-1a2b3c4d5e6f";
  ASSERT_TRUE(c.AddClients(in, {cl}).ok());
  EXPECT_EQ(c.flavor(), ApiFlavor::kClassicCsrf);
  EXPECT_EQ(transport_->HeaderOf(1, "X-CSRF-Token"), "tok-123");
  EXPECT_EQ(transport_->HeaderOf(1, "Cookie"), "3x-ui=pre-session");
  EXPECT_EQ(transport_->HeaderOf(3, "X-CSRF-Token"), "tok-123");
  Json body = Json::parse(transport_->sent[3].body);
  EXPECT_EQ(body["id"], 1);
  ASSERT_TRUE(body["settings"].is_string()) << "settings travels as a JSON string";
  EXPECT_EQ(Json::parse(body["settings"].get<std::string>())["clients"][0]["email"], "dave");
}

TEST_F(PanelClientTest, BearerTokenSkipsLogin) {
  PanelClient c = Make({"", "", "api-token-secret"});
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  ASSERT_TRUE(c.ListInbounds().ok());
  EXPECT_EQ(transport_->sent.size(), 1u);
  EXPECT_EQ(transport_->HeaderOf(0, "Authorization"), "Bearer api-token-secret");
}

TEST_F(PanelClientTest, ClientsApiAddsOneClientPerCallAndDisablesAfterCreate) {
  PanelClient c = Make();
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/clients/list", 200, kListOk);
  transport_->Expect("POST", "panel/api/clients/add", 200, R"({"success":true,"msg":"","obj":null})");
  transport_->Expect("POST", "panel/api/clients/add", 200, R"({"success":true,"msg":"","obj":null})");
  transport_->Expect("POST", "panel/api/clients/update/b+x@example.com", 200, R"({"success":true,"msg":"","obj":null})");
  Inbound in;
  in.id = 3;
  in.protocol = "trojan";
  Client a, b;
  a.email = "a@example.com";
  a.password = "p1";
  b.email = "b+x@example.com";
  b.password = "p2";
  b.enable = false;  // 3.1 forces enable:true on create
  ASSERT_TRUE(c.AddClients(in, {a, b}).ok());
  EXPECT_EQ(c.flavor(), ApiFlavor::kClientsApi);
  Json add = Json::parse(transport_->sent[3].body);
  EXPECT_EQ(add["inboundIds"], Json::array({3}));
  EXPECT_EQ(add["client"]["password"], "p1");
  EXPECT_EQ(Json::parse(transport_->sent[5].body)["enable"], false);
  EXPECT_TRUE(transport_->Done());
}

TEST_F(PanelClientTest, GarbledReplyIsMalformedNotACrash) {
  PanelClient c = Make();
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/inbounds/list", 200, R"({"success":true,"obj":[{"id":)");
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "MalformedReply");
  EXPECT_EQ(observed_.back(), "list:malformed");
}

// The prober lists each panel every few seconds: an unchanged reply is not parsed again, a
// changed one is, and a bad one is an error however good the kept one was.
TEST_F(PanelClientTest, AnUnchangedListingIsReusedAndAChangedOneParsed) {
  PanelClient c = Make();
  ExpectClassicLogin();
  const std::string full = testing::Fixture("f4_list.json");
  const std::string empty = kListOk;
  transport_->Expect("GET", "panel/api/inbounds/list", 200, full);
  transport_->Expect("GET", "panel/api/inbounds/list", 200, full);
  transport_->Expect("GET", "panel/api/inbounds/list", 200, R"({"success":true,"obj":[{"id":)");
  transport_->Expect("GET", "panel/api/inbounds/list", 200, full);
  transport_->Expect("GET", "panel/api/inbounds/list", 200, empty);
  Result<PanelClient::InboundList> first = c.ListInboundsShared();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_FALSE((*first)->empty());
  EXPECT_EQ((*first)->front().clients.front().email, "alice");
  Result<PanelClient::InboundList> again = c.ListInboundsShared();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get()) << "the same reply is the same list, not parsed again";
  Result<PanelClient::InboundList> garbled = c.ListInboundsShared();
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.status().reason(), "MalformedReply");
  Result<PanelClient::InboundList> back = c.ListInboundsShared();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->get(), first->get()) << "a garbled reply does not replace the kept one";
  Result<PanelClient::InboundList> changed = c.ListInboundsShared();
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE((*changed)->empty()) << "a changed reply is parsed";
  EXPECT_TRUE(transport_->Done());
  EXPECT_EQ(observed_, (std::vector<std::string>{"csrf:success", "login:success", "list:success", "list:success",
                                                 "list:malformed", "list:success", "list:success"}));
}

TEST_F(PanelClientTest, TransportFailuresAreClassified) {
  PanelClient c = Make();
  transport_->ExpectError("GET", "csrf-token", Status::Unavailable("connection refused"));
  EXPECT_EQ(c.ListInbounds().status().code(), Status::Code::kUnavailable);
  ExpectClassicLogin();
  transport_->ExpectError("GET", "panel/api/inbounds/list", Status::DeadlineExceeded("no reply within 10000 ms"));
  EXPECT_EQ(c.ListInbounds().status().code(), Status::Code::kDeadlineExceeded);
  EXPECT_EQ(observed_.back(), "list:timeout");
}

TEST_F(PanelClientTest, KeysWithSlashAreRefusedBeforeSending) {
  PanelClient c = Make();
  ExpectClassicLogin();
  transport_->Expect("GET", "panel/api/clients/list", 404, "");
  Inbound in;
  in.id = 2;
  in.protocol = "trojan";
  Client cl;
  cl.email = "x";
  cl.password = "a/b";
  Status s = c.DeleteClient(in, cl);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(transport_->Done());
}

TEST_F(PanelClientTest, CredentialsNeverAppearInErrors) {
  PanelClient c = Make({"admin", "hunter2-secret", ""});
  std::vector<Status> seen;
  transport_->Expect("GET", "csrf-token", 404, "");
  transport_->Expect("POST", "login", 200, testing::kF2);
  seen.push_back(c.ListInbounds().status());
  seen.push_back(c.ListInbounds().status());  // backoff message
  clock_.Advance(2h);
  transport_->Expect("POST", "login", 200, testing::kF1, {{"set-cookie", "3x-ui=cookie-secret-value"}});
  transport_->Expect("GET", "panel/api/inbounds/list", 401, "");
  ExpectClassicLogin("3x-ui=cookie-secret-value");
  transport_->Expect("GET", "panel/api/inbounds/list", 401, "");
  seen.push_back(c.ListInbounds().status());
  PanelClient t = Make({"", "", "token-secret-value"});
  transport_->Expect("GET", "panel/api/inbounds/list", 404, "");
  seen.push_back(t.ListInbounds().status());
  for (const Status& s : seen) {
    ASSERT_FALSE(s.ok());
    for (const char* secret : {"hunter2-secret", "cookie-secret-value", "token-secret-value"}) {
      EXPECT_EQ(s.ToString().find(secret), std::string::npos) << s.ToString();
    }
  }
}

TEST_F(PanelClientTest, PasswordThatIsNotUtf8IsRefusedBeforeAnyRequest) {
  // nlohmann's dump threw type_error.316 on these bytes while building the login body, and the
  // exception took the process down.
  PanelClient c = Make({"admin", "pa\xFF\xFEss", ""});
  transport_->Expect("GET", "csrf-token", 404, "");  // what a panel would answer, were it asked
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "CredentialsInvalid");
  EXPECT_NE(r.status().message().find("Secret key password"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("pa\xFF"), std::string::npos) << "never the value";
  EXPECT_TRUE(transport_->sent.empty()) << "nothing sent, so nothing counts towards the login limiter";
}

TEST_F(PanelClientTest, TokenWithLineBreakIsRefusedBeforeAnyRequest) {
  PanelClient c = Make({"", "", "tok\r\nX-Injected: 1"});
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("Injected"), std::string::npos);
  EXPECT_TRUE(transport_->sent.empty());
}

TEST_F(PanelClientTest, HugeSetCookieIsRefusedWithAClearError) {
  // 40 KB: std::regex recursed once per character and overflowed the stack.
  PanelClient c = Make();
  ExpectClassicLogin("3x-ui=" + std::string(40 * 1024, 'A'));
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(r.status().message().find("Set-Cookie header of"), std::string::npos) << r.status().message();
  EXPECT_LT(r.status().message().size(), 300u);
  EXPECT_EQ(observed_.back(), "login:malformed");
  // Not a verdict on the credentials: the next attempt logs in at once.
  transport_->Expect("POST", "login", 200, testing::kF1, {{"set-cookie", "3x-ui=sess-1; Path=/"}});
  transport_->Expect("GET", "panel/api/inbounds/list", 200, kListOk);
  EXPECT_TRUE(c.ListInbounds().ok());
  EXPECT_EQ(transport_->HeaderOf(3, "Cookie"), "3x-ui=sess-1");
}

TEST_F(PanelClientTest, TooManyCookiesAreRefused) {
  PanelClient c = Make();
  std::multimap<std::string, std::string> headers;
  for (int i = 0; i < 40; ++i) headers.emplace("set-cookie", "c" + std::to_string(i) + "=" + std::string(250, 'v'));
  transport_->Expect("GET", "csrf-token", 404, "");
  transport_->Expect("POST", "login", 200, testing::kF1, headers);
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
}

TEST_F(PanelClientTest, LoginRefusalQuotesThePanelCleanedAndBounded) {
  PanelClient c = Make();
  transport_->Expect("GET", "csrf-token", 404, "");
  std::string msg = "\\u001b[31mInvalid username or password" + std::string(60000, '!');
  transport_->Expect("POST", "login", 200, R"({"success":false,"msg":")" + msg + R"(","obj":null})");
  Result<std::vector<Inbound>> r = c.ListInbounds();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "LoginFailed");
  EXPECT_LT(r.status().message().size(), 1200u);
  EXPECT_EQ(r.status().message().find('\x1b'), std::string::npos);
  EXPECT_EQ(r.status().message().find("/base/"), std::string::npos) << "no web base path";
}

}  // namespace
}  // namespace x3ui::panel

namespace x3ui::panel {
namespace {

TEST(NextLoginAttemptTest, FollowsTheBackOffScheduleFromTheFirstRefusal) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  const TimePoint t0{seconds(1000000)};
  struct Row {
    int64_t now_after_s;  // now, seconds after the first refusal
    int64_t next_after_s;  // the attempt expected, seconds after it
    int64_t backoff_s;
  };
  // Attempts at +60, +180, +420, +900, +1800 (15 min reached), then every 900 s.
  const Row rows[] = {{0, 60, 60},     {59, 60, 60},     {60, 180, 120},   {179, 180, 120},
                      {400, 420, 240}, {899, 900, 480},  {900, 1800, 900}, {1800, 2700, 900},
                      {5000, 5400, 900}, {86400, 86400 + 900, 900}};
  for (const Row& r : rows) {
    milliseconds backoff{0};
    TimePoint next = NextLoginAttempt(t0, t0 + seconds(r.now_after_s), seconds(60), seconds(900), &backoff);
    EXPECT_EQ(std::chrono::duration_cast<seconds>(next - t0).count(), r.next_after_s) << "now +" << r.now_after_s;
    EXPECT_EQ(std::chrono::duration_cast<seconds>(backoff).count(), r.backoff_s) << "now +" << r.now_after_s;
  }
}

}  // namespace
}  // namespace x3ui::panel
