#include "pkg/common/text.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(Utf8Test, ValidatesSequences) {
  struct Case {
    std::string text;
    bool valid;
  };
  for (const Case& c : {Case{"", true}, Case{"plain ascii", true}, Case{"caf\xC3\xA9", true},
                        Case{"\xE2\x82\xAC", true}, Case{"\xF0\x9F\x98\x80", true}, Case{"\xFF", false},
                        Case{"\xC3", false}, Case{"\xE2\x82", false}, Case{"\xC0\xAF", false} /* overlong */,
                        Case{"\xE0\x80\xAF", false} /* overlong */, Case{"\xED\xA0\x80", false} /* surrogate */,
                        Case{"\xF4\x90\x80\x80", false} /* past U+10FFFF */, Case{"\x80", false}}) {
    EXPECT_EQ(IsValidUtf8(c.text), c.valid) << ::testing::PrintToString(c.text);
  }
}

TEST(Utf8Test, PrefixNeverEndsInsideACharacter) {
  const std::string euro = "\xE2\x82\xAC";
  const std::string s = "ab" + euro + "cd";  // a b [3 bytes] c d
  EXPECT_EQ(Utf8PrefixLength(s, 100), s.size());
  EXPECT_EQ(Utf8PrefixLength(s, 2), 2u);
  EXPECT_EQ(Utf8PrefixLength(s, 3), 2u);
  EXPECT_EQ(Utf8PrefixLength(s, 4), 2u);
  EXPECT_EQ(Utf8PrefixLength(s, 5), 5u);
}

TEST(CleanForeignTextTest, CleansWhatATerminalOrAReaderWouldMisread) {
  struct Case {
    const char* name;
    std::string in;
    std::string out;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  for (const Case& c : {
           Case{"plain", "Something went wrong (Duplicate email: bob)", "Something went wrong (Duplicate email: bob)"},
           Case{"utf8 kept", "caf\xC3\xA9 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
           Case{"invalid bytes", "a\xFF" "b\xC3", "a" + fffd + "b" + fffd},
           Case{"ansi colour", "\x1B[31;1mred\x1B[0m text", "red text"},
           Case{"ansi title (OSC)", "\x1B]0;owned\x07visible", "visible"},
           Case{"ansi OSC with ST", "\x1B]8;;http://x\x1B\\link", "link"},
           Case{"bare escape", "a\x1B" "cb", "ab"},
           Case{"escape at the end", "ab\x1B", "ab"},
           Case{"line breaks", "one\ntwo\r\nthree\tfour", "one two  three four"},
           Case{"controls", std::string("nul\0bel\x07" "del\x7F", 12), "nul" + fffd + "bel" + fffd + "del" + fffd},
           Case{"C1 control", "a\xC2\x9B" "b", "a" + fffd + "b"},
           Case{"bidi override", "abc\xE2\x80\xAE" "fed", "abc" + fffd + "fed"},
           Case{"bidi isolate", "x\xE2\x81\xA6y", "x" + fffd + "y"},
           Case{"line separator", "x\xE2\x80\xA8y", "x y"},
       }) {
    EXPECT_EQ(CleanForeignText(c.in), c.out) << c.name;
    EXPECT_TRUE(IsValidUtf8(CleanForeignText(c.in))) << c.name;
  }
}

TEST(CleanForeignTextTest, CutsOnACharacterBoundaryWithAMarker) {
  const std::string euro = "\xE2\x82\xAC";
  const std::string ellipsis = "\xE2\x80\xA6";
  std::string exact(1024, 'a');
  EXPECT_EQ(CleanForeignText(exact), exact) << "at the limit: not cut";

  std::string long_ascii(5000, 'x');
  std::string cut = CleanForeignText(long_ascii);
  EXPECT_EQ(cut, std::string(1021, 'x') + ellipsis);
  EXPECT_EQ(cut.size(), 1024u);

  // 1020 bytes, then euros: byte 1021 falls inside the first euro sign.
  std::string multibyte = std::string(1020, 'a');
  for (int i = 0; i < 10; ++i) multibyte += euro;
  cut = CleanForeignText(multibyte);
  EXPECT_TRUE(IsValidUtf8(cut));
  EXPECT_LE(cut.size(), 1024u);
  EXPECT_EQ(cut, std::string(1020, 'a') + ellipsis);

  EXPECT_EQ(CleanForeignText("0123456789", 8), "01234" + ellipsis);
  EXPECT_EQ(CleanForeignText(std::string(100000, '\xFF'), 64).size(), 63u) << "20 U+FFFD and the marker";
}

TEST(CleanForeignTextTest, AHugeInputIsNotWalkedToTheEnd) {
  // 64 MiB of text cleaned to 1 KiB must not cost a copy of the whole.
  std::string huge(64 << 20, 'z');
  EXPECT_EQ(CleanForeignText(huge).size(), 1024u);
}

}  // namespace
}  // namespace x3ui
