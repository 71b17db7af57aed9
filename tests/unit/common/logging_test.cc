#include "pkg/common/logging.h"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include <gtest/gtest.h>

namespace x3ui {
namespace {

TEST(LoggingTest, JsonLinesParseAndEscape) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  ASSERT_TRUE(SetupLogging("info", "json", sink).ok());
  spdlog::info("node {} is \"{}\"\nnext line", "vpn/fra-1", "Unreachable");
  spdlog::debug("hidden at info");
  spdlog::default_logger()->flush();
  std::string line = out.str();
  ASSERT_FALSE(line.empty());
  auto j = nlohmann::json::parse(line.substr(0, line.find('\n', line.find("}"))), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["msg"], "node vpn/fra-1 is \"Unreachable\"\nnext line");
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
}

TEST(LoggingTest, TextAndBadSettings) {
  std::ostringstream out;
  ASSERT_TRUE(SetupLogging("debug", "text", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)).ok());
  spdlog::debug("probe ok");
  spdlog::default_logger()->flush();
  EXPECT_NE(out.str().find(" debug probe ok"), std::string::npos) << out.str();
  EXPECT_FALSE(SetupLogging("loud", "text").ok());
  EXPECT_FALSE(SetupLogging("info", "xml").ok());
  EXPECT_EQ(JsonEscape(std::string("a\x01\"\\", 4)), "a\\u0001\\\"\\\\");
}

}  // namespace
}  // namespace x3ui
