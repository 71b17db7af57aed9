#include "pkg/subscription/format.h"

#include <gtest/gtest.h>

namespace x3ui::subscription {
namespace {

TEST(SubscriptionFormatTest, ChoiceTable) {
  struct Case {
    std::string path, query, ua;
    std::optional<Format> want;
  };
  const Case cases[] = {
      {"", "", "", Format::kBase64},
      {"", "", "v2rayNG/1.8.5", Format::kBase64},
      {"", "", "ClashVerge/1.3.8", Format::kClash},
      {"", "", "clash.meta", Format::kClash},
      {"", "", "mihomo/1.18", Format::kClash},
      {"", "", "Stash/2.4.0 Clash/1.9.0", Format::kClash},
      {"", "", "Streisand", Format::kBase64},
      {"info", "", "ClashVerge", Format::kInfo},           // the path wins over the UA
      {"clash", "base64", "", Format::kBase64},            // ?format= wins over the path
      {"", "clash", "v2rayNG", Format::kClash},
      {"singbox", "", "", std::nullopt},                   // not served (yet): 404
      {"", "nonsense", "", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + "|" + c.query + "|" + c.ua);
    EXPECT_EQ(ChooseFormat(c.path, c.query, c.ua), c.want);
  }
}

TEST(SubscriptionFormatTest, NamesRoundTrip) {
  for (Format f : {Format::kBase64, Format::kClash, Format::kInfo}) EXPECT_EQ(ParseFormat(FormatName(f)), f);
}

}  // namespace
}  // namespace x3ui::subscription
