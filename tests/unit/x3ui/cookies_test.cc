#include "pkg/x3ui/cookies.h"

#include <gtest/gtest.h>

#include "pkg/x3ui/limits.h"

namespace x3ui::panel {
namespace {

struct CookieCase {
  const char* name;
  std::string header;
  std::vector<Cookie> cookies;
};

void PrintTo(const CookieCase& c, std::ostream* os) { *os << c.name; }

class ParseSetCookieTest : public ::testing::TestWithParam<CookieCase> {};

TEST_P(ParseSetCookieTest, ReadsNameValuePairs) {
  Result<std::vector<Cookie>> r = ParseSetCookie(GetParam().header);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, GetParam().cookies);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseSetCookieTest,
    ::testing::Values(
        CookieCase{"F1Session", "3x-ui=MTc0abc; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Max-Age=21600; HttpOnly; SameSite=Lax",
                   {{"3x-ui", "MTc0abc"}}},
        CookieCase{"JoinedByCpprest", "3x-ui=s1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, lang=en-US; Path=/",
                   {{"3x-ui", "s1"}, {"lang", "en-US"}}},
        CookieCase{"OldSessionName", "session=abc==; Path=/", {{"session", "abc=="}}},
        CookieCase{"QuotedValue", "a=\"xyz\"; Path=/", {{"a", "\"xyz\""}}},
        CookieCase{"EmptyValue", "a=; Max-Age=0", {{"a", ""}}},
        CookieCase{"SpacesAroundPair", "  a = b ; Path=/", {}},  // a space in the name: not a cookie
        CookieCase{"AttributeAfterComma", "a=1, Path=/, Max-Age=5", {{"a", "1"}}},
        CookieCase{"NoEquals", "garbage; HttpOnly", {}},
        CookieCase{"EmptyName", "=value", {}},
        CookieCase{"Empty", "", {}},
        CookieCase{"ControlInValue", "a=b\x01" "c; Path=/, ok=1", {{"ok", "1"}}},
        CookieCase{"NonAsciiValue", "a=caf\xC3\xA9", {}},
        CookieCase{"BackslashInValue", "a=x\\y", {}},
        CookieCase{"SeparatorInName", "a/b=1, c@d=2, e=3", {{"e", "3"}}},
        CookieCase{"LaterWins", "a=1, a=2", {{"a", "1"}, {"a", "2"}}},
        CookieCase{"ManyCommas", ",,,,a=1,,,", {{"a", "1"}}}));

TEST(ParseSetCookieLimitTest, AFortyKilobyteHeaderIsRefusedNotParsed) {
  // A value this long overflowed the stack in std::regex.
  std::string header = "3x-ui=" + std::string(40 * 1024, 'A') + "; Path=/";
  Result<std::vector<Cookie>> r = ParseSetCookie(header);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(r.status().reason(), "MalformedReply");
  EXPECT_NE(r.status().message().find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(r.status().message().find("AAAA"), std::string::npos) << "the value is not quoted";
}

TEST(ParseSetCookieLimitTest, TheLimitItselfIsAccepted) {
  std::string header = "a=" + std::string(kMaxSetCookieBytes - 2, 'v');
  Result<std::vector<Cookie>> r = ParseSetCookie(header);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].value.size(), kMaxSetCookieBytes - 2);
}

}  // namespace
}  // namespace x3ui::panel
