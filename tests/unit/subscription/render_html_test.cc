// The `html` page: escaped text from outside, one <code> block and one non-empty QR SVG per
// link, no script and no external asset, and a CSP that admits its stylesheet by hash.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "pkg/common/base64.h"
#include "pkg/subscription/qr_svg.h"
#include "pkg/subscription/render.h"
#include "pkg/subscription/token_index.h"
#include "tests/unit/subscription/fixture.h"

namespace x3ui::subscription {
namespace {

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

using testing::Header;

TEST(SubscriptionHtmlTest, OneCodeBlockAndQrPerLink) {
  const UserView u = testing::FixedUser();
  const std::string page = Render(u, Format::kHtml, {}).body;
  EXPECT_EQ(Count(page, "<code>"), u.links.size());
  EXPECT_EQ(Count(page, "<svg "), u.links.size());
  EXPECT_EQ(Count(page, "<path fill=\"#000\" d=\"M"), u.links.size());  // every code has dark modules
  EXPECT_NE(page.find("<h1>alice</h1>"), std::string::npos);
  EXPECT_NE(page.find("1.0 GiB"), std::string::npos);
  EXPECT_NE(page.find("2026-01-01 00:00 UTC"), std::string::npos);
  EXPECT_NE(page.find("<code>vless://3f2b8c1e-9d4a-4f6b-8e2c-1a2b3c4d5e6f@node-a.example.com:443?type=tcp&amp;security="),
            std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
}

TEST(SubscriptionHtmlTest, HostileTextIsEscaped) {
  UserView u = testing::FixedUser();
  u.name = "a<b>&\"'";
  u.links = {"vless://id@h:443?type=tcp#<script>alert(1)</script>", "ss://<img src=x onerror=alert(1)>"};
  const std::string page = Render(u, Format::kHtml, {}).body;
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("a<b>"), std::string::npos);
  EXPECT_NE(page.find("<h1>a&lt;b&gt;&amp;&quot;&#39;</h1>"), std::string::npos);
  EXPECT_NE(page.find("<h2>&lt;script&gt;alert(1)&lt;/script&gt;</h2>"), std::string::npos);
  EXPECT_NE(page.find("#&lt;script&gt;alert(1)&lt;/script&gt;</code>"), std::string::npos);
  EXPECT_EQ(Count(page, "<svg "), 2u);
}

TEST(SubscriptionHtmlTest, AReasonAndNoLinksWhenNotServed) {
  UserView u = testing::FixedUser();
  u.enabled = false;
  const std::string page = Render(u, Format::kHtml, {}).body;
  EXPECT_EQ(Count(page, "<code>"), 0u);
  EXPECT_NE(page.find("class=\"reason\""), std::string::npos);
}

TEST(SubscriptionHtmlTest, ContentSecurityPolicyAdmitsExactlyTheInlineStyle) {
  const Rendered r = Render(testing::FixedUser(), Format::kHtml, {});
  const std::string csp = Header(r, "Content-Security-Policy");
  EXPECT_EQ(csp.rfind("default-src 'none'; ", 0), 0u);
  const size_t open = r.body.find("<style>") + 7;
  const std::string style = r.body.substr(open, r.body.find("</style>") - open);
  const Digest d = Sha256(style);
  EXPECT_NE(csp.find("style-src 'sha256-" + Base64Encode(std::string(d.begin(), d.end())) + "'"), std::string::npos);
}

// The dark modules of a QrSvg, read back from its path ("M x y h1v1h-1z" each).
std::set<std::pair<int, int>> DarkModules(const std::string& svg) {
  std::set<std::pair<int, int>> dark;
  for (size_t at = svg.find(" d=\"M"); (at = svg.find('M', at)) != std::string::npos; ++at) {
    int x = 0, y = 0;
    if (std::sscanf(svg.c_str() + at, "M%d %d", &x, &y) == 2) dark.insert({x, y});
  }
  return dark;
}

// The three finder patterns (a dark 7×7 ring, a light ring, a dark 3×3 core) sit in the corners
// inside the 4-module quiet zone: the modules are drawn where a scanner looks for them.
TEST(QrSvgTest, FinderPatternsInTheCorners) {
  const std::string svg = QrSvg("vless://id@h:443#x");
  const auto dark = DarkModules(svg);
  int size = 0;
  ASSERT_EQ(std::sscanf(svg.c_str() + svg.find("viewBox=\"0 0 ") + 13, "%d", &size), 1);
  const int width = size - 8;
  for (const auto& [ox, oy] : {std::pair{4, 4}, std::pair{4 + width - 7, 4}, std::pair{4, 4 + width - 7}}) {
    for (int dy = 0; dy < 7; ++dy) {
      for (int dx = 0; dx < 7; ++dx) {
        const int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
        SCOPED_TRACE(std::to_string(ox + dx) + "," + std::to_string(oy + dy));
        EXPECT_EQ(dark.count({ox + dx, oy + dy}) == 1, ring != 2);
      }
    }
  }
  for (const auto& [x, y] : dark) {
    EXPECT_TRUE(x >= 4 && y >= 4 && x < 4 + width && y < 4 + width) << "in the quiet zone";
  }
}

TEST(QrSvgTest, SizeFollowsTheText) {
  const std::string small = QrSvg("a");
  EXPECT_NE(small.find("viewBox=\"0 0 29 29\""), std::string::npos);  // version 1: 21 modules + 2×4 quiet zone
  EXPECT_GT(QrSvg(std::string(500, 'x')).size(), small.size());
  EXPECT_EQ(QrSvg(std::string(4000, 'x')), "");  // past what a QR code holds
}

}  // namespace
}  // namespace x3ui::subscription
