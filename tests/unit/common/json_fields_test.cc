#include "pkg/common/json_fields.h"

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(FieldReaderTest, ReadsTypedFieldsAndKeepsUnknown) {
  Json j = Json::parse(R"({"name":"a","n":3,"f":2.0,"b":true,"m":{"k":"v"},"l":["x"],"extra":{"deep":[1]}})");
  FieldErrors errs;
  FieldReader r(j, "spec", &errs);
  std::string name;
  int64_t n = 0, f = 0;
  bool b = false;
  std::map<std::string, std::string> m;
  std::vector<std::string> l;
  r.String("name", &name);
  r.Int("n", &n);
  r.Int("f", &f);
  r.Bool("b", &b);
  r.StringMap("m", &m);
  r.StringList("l", &l);
  EXPECT_TRUE(errs.empty());
  EXPECT_EQ(name, "a");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(f, 2);
  EXPECT_TRUE(b);
  EXPECT_EQ(m.at("k"), "v");
  EXPECT_EQ(l, std::vector<std::string>{"x"});
  EXPECT_EQ(r.Unknown(), Json::parse(R"({"extra":{"deep":[1]}})"));
}

TEST(FieldReaderTest, ReportsEveryTypeMismatchWithItsPath) {
  Json j = Json::parse(R"({"name":5,"n":"3","half":1.5,"b":"yes","m":{"k":1},"l":[1,"ok"],"o":[],"list":{}})");
  FieldErrors errs;
  FieldReader r(j, "spec", &errs);
  std::string name;
  int64_t n = 7, half = 0;
  bool b = false;
  std::map<std::string, std::string> m;
  std::vector<std::string> l;
  std::vector<int> list;
  int o = 0;
  r.String("name", &name);
  r.Int("n", &n);
  r.Int("half", &half);
  r.Bool("b", &b);
  r.StringMap("m", &m);
  r.StringList("l", &l);
  r.Object("o", &o, [](FieldReader&, int*) {});
  r.List("list", &list, [](FieldReader&, int*) {});
  FieldErrors want = {{"spec.name", "must be a string"},     {"spec.n", "must be an integer"},
                      {"spec.half", "must be an integer"},   {"spec.b", "must be a boolean"},
                      {"spec.m.k", "must be a string"},      {"spec.l[0]", "must be a string"},
                      {"spec.o", "must be an object"},       {"spec.list", "must be an array"}};
  EXPECT_EQ(errs, want);
  EXPECT_EQ(n, 7) << "a bad value leaves the output untouched";
}

TEST(FieldReaderTest, NullIsAbsent) {
  Json j = Json::parse(R"({"name":null,"n":null})");
  FieldErrors errs;
  FieldReader r(j, "", &errs);
  std::string name = "keep";
  int64_t n = 9;
  r.String("name", &name);
  r.Int("n", &n);
  EXPECT_TRUE(errs.empty());
  EXPECT_EQ(name, "keep");
  EXPECT_EQ(n, 9);
}

TEST(FieldReaderTest, HugeUnsignedIsNotAnInteger) {
  Json j = Json::parse(R"({"n":18446744073709551615})");
  FieldErrors errs;
  FieldReader r(j, "", &errs);
  int64_t n = 0;
  r.Int("n", &n);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].path, "n");
}

TEST(FieldWriterTest, OmitsEmptyStringsAndCollectionsButKeepsNumbers) {
  Json unknown = Json::parse(R"({"future":1,"name":"old"})");
  Json j = FieldWriter(unknown)
               .String("name", "new")
               .String("empty", "")
               .Int("zero", 0)
               .Bool("off", false)
               .StringMap("m", {})
               .StringList("l", {})
               .Value("o", Json::object())
               .Done();
  EXPECT_EQ(j, Json::parse(R"({"future":1,"name":"new","zero":0,"off":false})"));
}

}  // namespace
}  // namespace x3ui
