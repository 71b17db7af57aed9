#include "pkg/subscription/format.h"

#include <gtest/gtest.h>

namespace x3ui::subscription {
namespace {

TEST(SubscriptionFormatTest, ChoiceTable) {
  struct Case {
    std::string path, query, ua;
    std::optional<Format> want;
    std::string accept = "";
  };
  const std::string browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  const std::string firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
  const Case cases[] = {
      {"", "", "", Format::kBase64},
      {"", "", "v2rayNG/1.8.5", Format::kBase64},
      {"", "", "ClashVerge/1.3.8", Format::kClash},
      {"", "", "clash.meta", Format::kClash},
      {"", "", "mihomo/1.18", Format::kClash},
      {"", "", "Stash/2.4.0 Clash/1.9.0", Format::kClash},
      {"", "", "Streisand", Format::kBase64},
      {"", "", "v2rayN/6.42", Format::kBase64},                    // v2rayN reads base64 unless the URL says xray
      {"xray", "", "v2rayN/6.42", Format::kXray},
      {"", "xray", "", Format::kXray},
      {"", "", "sing-box 1.8.0", Format::kSingbox},
      {"", "", "SFA/1.8.0 (Android 14; sing-box 1.8.0)", Format::kSingbox},
      {"", "", "SFI/1.8.0 (iOS 17)", Format::kSingbox},
      {"", "", "HiddifyNext/1.1.0 (android) like ClashMeta v2ray sing-box", Format::kSingbox},
      {"", "", "HiddifyNext/0.9", Format::kBase64},
      {"", "", "NekoBox/Android/1.3.0", Format::kBase64},
      {"", "", "Shadowrocket/2070 CFNetwork/1494 Darwin/23.4.0", Format::kBase64},
      {"", "", firefox, Format::kHtml, browser_accept},
      {"", "", firefox, Format::kHtml},                             // Mozilla without an app name
      {"", "", "curl/8.0", Format::kHtml, "text/html"},             // Accept alone is enough
      {"", "", "curl/8.0", Format::kBase64, "*/*"},
      {"", "", "Mozilla/5.0 v2rayNG/1.8.5", Format::kBase64, browser_accept},  // an app, whatever it accepts
      {"", "", "ClashVerge/1.3.8", Format::kClash, browser_accept},
      {"", "base64", firefox, Format::kBase64, browser_accept},     // the URL wins over the browser
      {"html", "", "v2rayNG", Format::kHtml},
      {"singbox", "", "", Format::kSingbox},
      {"info", "", "ClashVerge", Format::kInfo},           // the path wins over the UA
      {"clash", "base64", "", Format::kBase64},            // ?format= wins over the path
      {"", "clash", "v2rayNG", Format::kClash},
      {"sing-box", "", "", std::nullopt},
      {"", "nonsense", "", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + "|" + c.query + "|" + c.ua + "|" + c.accept);
    EXPECT_EQ(ChooseFormat(c.path, c.query, c.ua, c.accept), c.want);
  }
}

TEST(SubscriptionFormatTest, NamesRoundTrip) {
  for (Format f : {Format::kBase64, Format::kClash, Format::kSingbox, Format::kXray, Format::kInfo, Format::kHtml}) {
    EXPECT_EQ(ParseFormat(FormatName(f)), f);
  }
}

}  // namespace
}  // namespace x3ui::subscription
