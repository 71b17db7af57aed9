#include "pkg/common/json_parse.h"

#include <gtest/gtest.h>

#include "pkg/common/text.h"

namespace x3ui {
namespace {

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonNestingDepthTest, CountsBracketsOutsideStrings) {
  struct Case {
    std::string text;
    int depth;
  };
  for (const Case& c : {Case{"1", 0}, Case{"[]", 1}, Case{R"({"a":[{"b":[]}]})", 4}, Case{R"(["[[[[", "{{"])", 1},
                        Case{R"(["a\"[[[[", "b"])", 1}, Case{R"(["a\\", [[]]])", 3}, Case{"[][][]", 1},
                        Case{"]]]][", 1}, Case{Nested(10), 10}}) {
    EXPECT_EQ(JsonNestingDepth(c.text, 64), c.depth) << c.text;
  }
  EXPECT_EQ(JsonNestingDepth(Nested(100000), 64), 65) << "stops right past the limit";
}

TEST(ParseJsonTest, AcceptsUpToTheLimitAndRefusesDeeper) {
  Result<Json> ok = ParseJson(Nested(kMaxJsonDepth));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  Result<Json> deep = ParseJson(Nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(deep.status().message().find("deeper than 64"), std::string::npos) << deep.status().message();
}

TEST(ParseJsonTest, AHundredThousandLevelsAreRefusedBeforeAnythingRecurses) {
  // ~200 KB; parsed and then copied, it overflowed the stack.
  for (auto [open, close] : {std::pair{'[', ']'}, std::pair{'{', '}'}}) {
    std::string text = open == '[' ? Nested(100000) : "";
    if (open == '{') {
      for (int i = 0; i < 100000; ++i) text += "{\"a\":";
      text += "1" + std::string(100000, '}');
    }
    Result<Json> r = ParseJson(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  }
}

TEST(ParseJsonTest, GarbageIsAnErrorNotAnException) {
  for (const char* text : {"", "{", "nul", "[1,]", "{\"a\" 1}", "\"\xFF\""}) {
    Result<Json> r = ParseJson(text);
    EXPECT_FALSE(r.ok()) << text;
  }
}

TEST(DumpJsonTest, InvalidUtf8BecomesReplacementInsteadOfThrowing) {
  Json j = {{"note", std::string("cut in the middle of \xE2\x82")}, {"pw", "\xFF\xFE"}};
  EXPECT_THROW((void)j.dump(), Json::type_error) << "what the fix avoids";
  std::string text;
  ASSERT_NO_THROW(text = DumpJson(j));
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Json::parse(text)["pw"], "\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace x3ui
