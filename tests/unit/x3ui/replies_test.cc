#include "pkg/x3ui/replies.h"

#include <gtest/gtest.h>

#include "tests/unit/x3ui/fixtures.h"

namespace x3ui::panel {
namespace {

using testing::Fixture;

Envelope Env(const std::string& body) {
  Result<Envelope> e = ParseEnvelope(body);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? *e : Envelope{};
}

TEST(EnvelopeTest, F1LoginOk) {
  Envelope e = Env(testing::kF1);
  EXPECT_TRUE(e.success);
  EXPECT_TRUE(e.obj.is_null());
  EXPECT_TRUE(CheckSuccess(e, "login").ok());
}

TEST(EnvelopeTest, F2LoginFailedIsAuth) {
  Status s = CheckSuccess(Env(testing::kF2), "login");
  EXPECT_EQ(s.code(), Status::Code::kUnauthenticated);
  EXPECT_EQ(s.reason(), "LoginFailed");
}

struct ErrorCase {
  const char* name;
  const char* body;
  Status::Code code;
  const char* reason;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ClassifyTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ClassifyTest, DecidesOnSuccessAndClassifiesMsg) {
  Status s = CheckSuccess(Env(GetParam().body), "op");
  EXPECT_EQ(s.code(), GetParam().code) << s.ToString();
  EXPECT_EQ(s.reason(), GetParam().reason);
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << "the trailing newline is trimmed";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClassifyTest,
    ::testing::Values(
        ErrorCase{"F6DuplicateEmail", testing::kF6, Status::Code::kFailedPrecondition, "DuplicateEmail"},
        ErrorCase{"F7LastClient", testing::kF7Last, Status::Code::kFailedPrecondition, "LastClient"},
        ErrorCase{"V31EmailInUse", R"({"success":false,"msg":"email already in use: bob\n","obj":null})",
                  Status::Code::kFailedPrecondition, "DuplicateEmail"},
        ErrorCase{"RecordNotFound", R"json({"success":false,"msg":"Something went wrong (record not found)","obj":null})json",
                  Status::Code::kNotFound, "RecordNotFound"},
        ErrorCase{"ClientNotFound",
                  R"json({"success":false,"msg":"Something went wrong (Client Not Found In Inbound For ID: x\n)","obj":null})json",
                  Status::Code::kNotFound, "ClientNotFound"},
        // The prefix lies ("successfully updated"); only success counts.
        ErrorCase{"MisleadingPrefix",
                  R"json({"success":false,"msg":"Inbound has been successfully updated. (json: cannot unmarshal)","obj":null})json",
                  Status::Code::kFailedPrecondition, "Rejected"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EnvelopeTest, GarbledRepliesAreErrorsNotCrashes) {
  for (const char* body : {"", "null", "[]", "42", "{", R"({"success":"true"})", R"({"msg":"x"})",
                           R"({"success":true,"msg":)", "\xff\xfe", "<html>502 Bad Gateway</html>"}) {
    Result<Envelope> e = ParseEnvelope(body);
    ASSERT_FALSE(e.ok()) << body;
    EXPECT_EQ(e.status().reason(), "MalformedReply") << body;
  }
}

TEST(EnvelopeTest, HugeBodyIsRefusedUnparsed) {
  std::string huge(kMaxReplyBytes + 1, ' ');
  Result<Envelope> e = ParseEnvelope(huge);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().reason(), "MalformedReply");
}

// ~200 KB of nesting: copied field by field after parsing, it overflowed the stack.
std::string DeepArray(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(EnvelopeTest, DeeplyNestedReplyIsRefusedBeforeAnyWalk) {
  std::string body = R"({"success":true,"msg":"","obj":[{"id":1,"extra":)" + DeepArray(100000) + "}]}";
  Result<Envelope> e = ParseEnvelope(body);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().reason(), "MalformedReply");
  EXPECT_NE(e.status().message().find("deeper than"), std::string::npos) << e.status().message();
  EXPECT_TRUE(ParseEnvelope(R"({"success":true,"msg":"","obj":)" + DeepArray(40) + "}").ok()) << "moderate depth is fine";
}

TEST(InboundListTest, DeeplyNestedSettingsStringIsRefused) {
  // The settings string is parsed on its own: a client with a 100,000-deep unknown field.
  std::string settings = R"({"clients":[{"email":"a","id":"x","extra":)" + DeepArray(100000) + "}]}";
  Json list = Json::array({{{"id", 1}, {"protocol", "vless"}, {"settings", settings}}});
  Result<std::vector<Inbound>> r = ParseInboundList(list);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "MalformedReply");
  EXPECT_NE(r.status().message().find("deeper than"), std::string::npos) << r.status().message();
}

TEST(EnvelopeTest, PanelTextInErrorsIsCleanedAndBounded) {
  // A panel message of 100 KB with terminal escapes: quoted whole it made the condition too long
  // for the CRD and the status update was refused.
  std::string msg = "\\u001b[2J\\u001b[31mSomething went wrong (" + std::string(100000, 'x') + ")";
  Status s = CheckSuccess(Env(R"({"success":false,"msg":")" + msg + R"(","obj":null})"), "adding 1 client(s)");
  EXPECT_EQ(s.reason(), "Rejected");
  EXPECT_LT(s.message().size(), 1200u) << "cut to about 1 KiB";
  EXPECT_EQ(s.message().find('\x1b'), std::string::npos) << "no escape characters";
  EXPECT_NE(s.message().find("Something went wrong (xxx"), std::string::npos);
  EXPECT_NE(s.message().find("\xE2\x80\xA6"), std::string::npos) << "marked as cut";
}

TEST(InboundListTest, ThousandsOfBadClientsMakeAShortMessage) {
  Json clients = Json::array();
  for (int i = 0; i < 5000; ++i) clients.push_back({{"email", i}, {"id", "x"}});
  Json list = Json::array({{{"id", 1}, {"protocol", "vless"}, {"settings", Json{{"clients", clients}}.dump()}}});
  Result<std::vector<Inbound>> r = ParseInboundList(list);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "MalformedReply");
  EXPECT_LT(r.status().message().size(), 1024u) << r.status().message().substr(0, 200);
  EXPECT_NE(r.status().message().find("settings.clients[0].email: must be a string"), std::string::npos);
  EXPECT_NE(r.status().message().find("and 4995 more"), std::string::npos);
}

TEST(ServerStatusTest, XrayErrorIsCleanedAndBounded) {
  Json obj = {{"cpu", 1.0},
              {"xray", {{"state", "error"}, {"errorMsg", "\x1b[31mfailed to start:\n" + std::string(50000, 'e')}}}};
  Result<ServerStatus> s = ParseServerStatus(obj);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_LE(s->xray_error.size(), 1024u);
  EXPECT_EQ(s->xray_error.rfind("failed to start: eee", 0), 0u) << s->xray_error.substr(0, 40);
  EXPECT_EQ(s->xray_state, "error");
}

TEST(InboundListTest, F4ParsesSettingsStringsIntoTypedClients) {
  Envelope e = Env(Fixture("f4_list.json"));
  Result<std::vector<Inbound>> list = ParseInboundList(e.obj);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  const Inbound& reality = (*list)[0];
  EXPECT_EQ(reality.protocol, "vless");
  EXPECT_EQ(reality.port, 443);
  ASSERT_EQ(reality.clients.size(), 2u);
  EXPECT_EQ(reality.clients[0].email, "alice");
  EXPECT_EQ(reality.clients[0].id, "2b0f6c1e-8d3a-4f5e-9a71-3c4d5e6f7a81");
  EXPECT_EQ(reality.clients[0].total_bytes, 53687091200) << "totalGB is bytes";
  EXPECT_EQ(reality.clients[0].limit_ip, 2);
  EXPECT_EQ(reality.clients[1].expiry_time, -604800000) << "negative: 7 days from first use";
  EXPECT_EQ(reality.clients[0].unknown["created_at"], 1767225600000) << "unknown client fields are kept";
  EXPECT_FALSE(reality.settings.contains("clients"));
  EXPECT_EQ(reality.settings["decryption"], "none");
  EXPECT_EQ(reality.stream_settings["security"], "reality");
  ASSERT_EQ(reality.client_stats.size(), 2u);
  EXPECT_EQ(reality.client_stats[0].down, 21474836480);
  const Inbound& trojan = (*list)[1];
  EXPECT_EQ(trojan.clients[0].password, "Xr9vQ2mT7k");
  EXPECT_TRUE(trojan.clients[0].enable) << "carol's settings copy still says enabled";
  EXPECT_FALSE(trojan.client_stats[0].enable) << "but her stats row is depleted";
}

TEST(InboundListTest, V31SettingsObjectsParseTheSame) {
  Envelope e = Env(Fixture("f4_list.json"));
  Json v31 = e.obj;
  for (auto& in : v31) {
    for (const char* k : {"settings", "streamSettings", "sniffing"}) in[k] = Json::parse(in[k].get<std::string>());
    in.erase("allTime");
  }
  Result<std::vector<Inbound>> a = ParseInboundList(e.obj), b = ParseInboundList(v31);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)[0].clients, (*b)[0].clients);
  EXPECT_EQ((*a)[1].stream_settings, (*b)[1].stream_settings);
}

TEST(InboundListTest, HostileShapesAreErrors) {
  for (const char* obj : {R"([{"id":"one"}])", R"([{"id":1,"settings":"{not json"}])", R"([{"id":1,"settings":42}])",
                          R"([{"id":1,"settings":"{\"clients\":{}}"}])", R"([{"id":1,"settings":"{\"clients\":[7]}"}])",
                          R"([{"id":1,"clientStats":[{"up":"lots"}]}])", R"({"id":1})", R"([null])"}) {
    Result<std::vector<Inbound>> r = ParseInboundList(Json::parse(obj));
    ASSERT_FALSE(r.ok()) << obj;
    EXPECT_EQ(r.status().reason(), "MalformedReply") << obj;
  }
  EXPECT_TRUE(ParseInboundList(Json()).ok()) << "obj:null is an empty list";
}

TEST(ServerStatusTest, F9HealthyAndNullWhileStarting) {
  Result<ServerStatus> s = ParseServerStatus(Env(Fixture("f9_status.json")).obj);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->healthy());
  EXPECT_EQ(s->xray_version, "26.2.6");
  EXPECT_EQ(s->uptime, 864123);
  Result<ServerStatus> starting = ParseServerStatus(Json());
  ASSERT_FALSE(starting.ok());
  EXPECT_EQ(starting.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(starting.status().reason(), "StatusNotReady");
  EXPECT_FALSE(ParseServerStatus(Json::parse(R"({"xray":"running"})")).ok());
}

TEST(OnlinesTest, F8AndNullBeforeFirstPoll) {
  EXPECT_EQ(*ParseOnlines(Env(testing::kF8).obj), std::vector<std::string>{"alice"});
  EXPECT_TRUE(ParseOnlines(Json())->empty());
  EXPECT_FALSE(ParseOnlines(Json::parse("[1]")).ok());
}

TEST(EncodeClientTest, F5ShapeWithNumericTgIdAndPerProtocolKeys) {
  Client c;
  c.id = "5f1c0e2a-7b3d-4c8e-9f60-1a2b3c4d5e6f";
  c.flow = "xtls-rprx-vision";
  c.email = "dave";
  c.sub_id = "q9w8e7r6t5y4u3i2";
  Json j = EncodeClient("vless", c);
  Json want = Json::parse(R"({"id":"5f1c0e2a-7b3d-4c8e-9f60-1a2b3c4d5e6f","flow":"xtls-rprx-vision","email":"dave",
    "limitIp":0,"totalGB":0,"expiryTime":0,"enable":true,"tgId":0,"subId":"q9w8e7r6t5y4u3i2","comment":"","reset":0})");
  EXPECT_EQ(j, want);
  c.password = "pw";
  Json t = EncodeClient("trojan", c);
  EXPECT_FALSE(t.contains("id"));
  EXPECT_EQ(t["password"], "pw");
  EXPECT_EQ(EncodeClient("vmess", c)["security"], "auto");
  EXPECT_EQ(ClientKey("shadowsocks", c), "dave");
  EXPECT_EQ(ClientKey("trojan", c), "pw");
}

TEST(ParseClientsTest, StringTgIdIsTolerated) {
  Result<std::vector<Client>> c = ParseClients(Json::parse(R"({"clients":[{"email":"a","tgId":""}]})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].tg_id, 0);
  EXPECT_FALSE((*c)[0].unknown.contains("tgId"));
}

}  // namespace
}  // namespace x3ui::panel
