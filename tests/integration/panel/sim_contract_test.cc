// The simulator's own traps, checked with raw HTTP (no PanelClient), so that tests built on it
// exercise what a real panel does.
#include <gtest/gtest.h>

#include "pkg/x3ui/http_transport.h"
#include "tests/sim/sim_server.h"
#include "tests/support/wait.h"

namespace x3ui::sim {
namespace {

using x3ui::testing::FreePort;

class SimContractTest : public ::testing::Test {
 protected:
  void Start(Flavor flavor) {
    PanelConfig p;
    p.name = "p";
    p.port = FreePort();
    p.username = "admin";
    p.password = "pw";
    p.flavor = flavor;
    p.inbounds = DefaultInbounds("p");
    server_ = std::make_unique<SimServer>(std::vector<PanelConfig>{p}, FreePort());
    ASSERT_TRUE(server_->Start().ok());
    panel::TransportOptions t;
    t.base_url = "http://127.0.0.1:" + std::to_string(p.port) + "/";
    transport_ = std::move(panel::NewCppRestTransport(t)).value();
  }
  panel::HttpResponse Send(std::string method, std::string path, std::string body = "",
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (method == "POST") headers.emplace_back("Content-Type", "application/json");
    auto r = transport_->Send({method, path, headers, body});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : panel::HttpResponse{};
  }
  std::string Cookie(const panel::HttpResponse& r) {
    std::string c = r.Header("set-cookie");
    return c.substr(0, c.find(';'));
  }
  std::unique_ptr<SimServer> server_;
  std::unique_ptr<panel::HttpTransport> transport_;
};

TEST_F(SimContractTest, UnauthenticatedCallsPerVersion) {
  Start(Flavor::kV28);
  auto r = Send("GET", "panel/api/inbounds/list");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.body.empty()) << "F3: 404 with an empty body";
  server_->Stop();
  Start(Flavor::kV28Legacy);
  r = Send("GET", "panel/api/inbounds/list", "", {{"X-Requested-With", "XMLHttpRequest"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(nlohmann::json::parse(r.body)["msg"], "Your session has expired, please log in again");
  // Without XHR the legacy panel redirects (307) to its base path; cpprestsdk follows redirects,
  // so look at the panel's own answer.
  SimRequest plain{.method = "GET", .path = "/panel/api/inbounds/list"};
  EXPECT_EQ(server_->panel("p")->Handle(plain).status, 307);
  server_->Stop();
  Start(Flavor::kV30);
  EXPECT_EQ(Send("GET", "panel/api/inbounds/list", "", {{"X-Requested-With", "XMLHttpRequest"}}).status, 401);
}

TEST_F(SimContractTest, CsrfAndLoginLimiterOn30) {
  Start(Flavor::kV30);
  // Login without the CSRF token: 403, empty body.
  auto r = Send("POST", "login", R"({"username":"admin","password":"pw"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.body.empty());
  auto tok = Send("GET", "csrf-token");
  std::string token = nlohmann::json::parse(tok.body)["obj"], cookie = Cookie(tok);
  std::vector<std::pair<std::string, std::string>> h = {{"X-CSRF-Token", token}, {"Cookie", cookie}};
  for (int i = 0; i < 5; ++i) {
    auto bad = Send("POST", "login", R"({"username":"Admin","password":"nope"})", h);
    EXPECT_EQ(nlohmann::json::parse(bad.body)["success"], false);
  }
  // Five failures in five minutes: blocked, even with the right password (F2 reply).
  auto blocked = Send("POST", "login", R"({"username":"admin","password":"pw"})", h);
  EXPECT_EQ(blocked.status, 200);
  EXPECT_EQ(nlohmann::json::parse(blocked.body)["msg"], "Invalid username or password or two-factor code.");
  EXPECT_TRUE(server_->panel("p")->Describe()["logins"]["admin"]["blocked"].get<bool>());
}

TEST_F(SimContractTest, AddClientTraps) {
  Start(Flavor::kV28);
  auto login = Send("POST", "login", R"({"username":"admin","password":"pw"})");
  EXPECT_EQ(nlohmann::json::parse(login.body)["msg"], " You have successfully logged into your account.");
  std::vector<std::pair<std::string, std::string>> h = {{"Cookie", Cookie(login)}};
  // settings as an object is refused (it must be a JSON string), with a misleading prefix.
  auto obj = Send("POST", "panel/api/inbounds/addClient", R"({"id":1,"settings":{"clients":[]}})", h);
  auto j = nlohmann::json::parse(obj.body);
  EXPECT_EQ(j["success"], false);
  EXPECT_NE(j["msg"].get<std::string>().find("successfully updated. (json: cannot unmarshal"), std::string::npos);
  // No clients array: the handler panics, 500 with an empty body.
  auto panic = Send("POST", "panel/api/inbounds/addClient", R"({"id":1,"settings":"{}"})", h);
  EXPECT_EQ(panic.status, 500);
  EXPECT_TRUE(panic.body.empty());
  // A duplicate keeps its trailing newline inside the parentheses.
  auto dup = Send("POST", "panel/api/inbounds/addClient",
                  R"({"id":2,"settings":"{\"clients\":[{\"password\":\"x\",\"email\":\"OWNER-P-VLESS\"}]}"})", h);
  EXPECT_EQ(nlohmann::json::parse(dup.body)["msg"], "Something went wrong (Duplicate email: OWNER-P-VLESS\n)");
  // Form encoding works as the UI sends it.
  auto form = transport_->Send({"POST", "panel/api/inbounds/addClient",
                                {{"Cookie", Cookie(login)}, {"Content-Type", "application/x-www-form-urlencoded"}},
                                "id=2&settings=%7B%22clients%22%3A%5B%7B%22password%22%3A%22y%22%2C%22email%22%3A%22f%22%7D%5D%7D"});
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(nlohmann::json::parse(form->body)["success"], true);
}

TEST_F(SimContractTest, ListCarriesSettingsAsStringsUntil31) {
  Start(Flavor::kV28);
  auto login = Send("POST", "login", R"({"username":"admin","password":"pw"})");
  auto list = Send("GET", "panel/api/inbounds/list", "", {{"Cookie", Cookie(login)}});
  auto j = nlohmann::json::parse(list.body);
  EXPECT_TRUE(j["obj"][0]["settings"].is_string());
  EXPECT_TRUE(j["obj"][0].contains("allTime"));
  server_->Stop();
  Start(Flavor::kV31);
  login = Send("POST", "login", R"({"username":"admin","password":"pw"})", {});
  EXPECT_EQ(login.status, 403) << "3.1 keeps CSRF";
  auto tok = Send("GET", "csrf-token");
  std::vector<std::pair<std::string, std::string>> h = {{"X-CSRF-Token", nlohmann::json::parse(tok.body)["obj"]},
                                                        {"Cookie", Cookie(tok)}};
  Send("POST", "login", R"({"username":"admin","password":"pw"})", h);
  j = nlohmann::json::parse(Send("GET", "panel/api/inbounds/list", "", h).body);
  EXPECT_TRUE(j["obj"][0]["settings"].is_object());
  EXPECT_FALSE(j["obj"][0].contains("allTime"));
  EXPECT_EQ(Send("POST", "panel/api/inbounds/addClient", "{}", h).status, 404) << "classic client routes are gone";
}

}  // namespace
}  // namespace x3ui::sim
