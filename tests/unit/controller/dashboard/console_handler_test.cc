// The fleet console's HTTP handler: routes, methods, hardening headers, the Host check, the
// event stream's wait for a change, the per-version snapshot, and no credential in any reply.
#include "controller/dashboard/console_handler.h"

#include <atomic>
#include <future>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "pkg/api/json.h"
#include "tests/unit/controller/dashboard/fixtures.h"

namespace x3ui::controller::dashboard {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  FakeClock clock{*ParseRfc3339("2026-12-04T12:00:00Z")};
  ChangeFeed feed;
  std::atomic<int> node_lists{0};
  std::vector<api::Json> nodes = {api::Encode(testing::Node("fra-1", "Ready", 1, 10)),
                                  api::Encode(testing::Node("fra-2", "Unreachable", 0, 10))};
  std::vector<api::Json> users = {api::Encode(testing::User("alice", "fra-1", "alice@example.com"))};

  ConsoleSources Sources() {
    return {.nodes = [this] { ++node_lists; return nodes; },
            .assignments = [this] { return users; },
            .migrations = [] { return std::vector<api::Json>{}; },
            .synced = [] { return true; },
            .clock = &clock};
  }
};

http::Request Get(const std::string& path, const std::string& query = "", const std::string& host = "127.0.0.1:8082") {
  http::Request r{.method = "GET", .path = path, .query = query};
  r.headers["host"] = host;
  return r;
}

std::string Header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(ConsoleHandlerTest, RoutesAndTheirTypes) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  struct Case {
    const char* path;
    int status;
    const char* type;
  };
  const Case cases[] = {
      {"/", 200, "text/html"},           {"/index.html", 200, "text/html"},
      {"/console.css", 200, "text/css"}, {"/console.js", 200, "text/javascript"},
      {"/api/fleet", 200, "application/json"}, {"/api/users", 200, "application/json"},
      {"/events", 200, "text/event-stream"},   {"/metrics", 404, "text/plain"},
      {"/../etc/passwd", 404, "text/plain"},   {"/favicon.ico", 204, "text/plain"},
  };
  for (const Case& c : cases) {
    http::Response r = h.Handle(Get(c.path));
    EXPECT_EQ(r.status, c.status) << c.path;
    EXPECT_EQ(r.content_type.rfind(c.type, 0), 0u) << c.path << ": " << r.content_type;
    // Every reply, errors included, is hardened.
    EXPECT_NE(Header(r, "Content-Security-Policy").find("script-src 'self'"), std::string::npos) << c.path;
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff") << c.path;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store") << c.path;
  }
}

TEST(ConsoleHandlerTest, ReadOnly) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}) {
    http::Request r = Get("/api/fleet");
    r.method = method;
    http::Response out = h.Handle(r);
    EXPECT_EQ(out.status, 405) << method;
    EXPECT_EQ(Header(out, "Allow"), "GET, HEAD") << method;
  }
  http::Request head = Get("/");
  head.method = "HEAD";
  EXPECT_EQ(h.Handle(head).status, 200);
}

TEST(ConsoleHandlerTest, AnswersOnlyToLocalHostNames) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  struct Case {
    const char* host;
    int status;
  };
  const Case cases[] = {{"127.0.0.1:8082", 200}, {"localhost:8082", 200}, {"LOCALHOST", 200}, {"[::1]:8082", 200},
                        {"10.1.2.3:8082", 200},  {"rebound.example.com:8082", 403}, {"localhost.example.com", 403}, {"", 403}};
  for (const Case& c : cases) EXPECT_EQ(h.Handle(Get("/api/fleet", "", c.host)).status, c.status) << c.host;
  http::Request no_host{.method = "GET", .path = "/"};
  EXPECT_EQ(h.Handle(no_host).status, 403);
}

TEST(ConsoleHandlerTest, ThePageHasNoInlineScript) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  const std::string html = h.Handle(Get("/")).body;
  for (size_t at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) {
    EXPECT_EQ(html.compare(at, 25, "<script src=\"/console.js\""), 0) << html.substr(at, 40);
  }
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)"))) << "an inline event handler";
  EXPECT_EQ(h.Handle(Get("/console.js")).body.find("innerHTML"), std::string::npos);
}

TEST(ConsoleHandlerTest, NoPanelUrlPathInAnyReply) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  for (const char* path : {"/api/fleet", "/events"}) {
    const std::string body = h.Handle(Get(path)).body;
    EXPECT_NE(body.find("fra-1.example.com:2053"), std::string::npos) << path;
    EXPECT_EQ(body.find("s3cr3tBasePath"), std::string::npos) << path;
  }
  EXPECT_EQ(h.Handle(Get("/api/users", "q=alice")).body.find("s3cr3tBasePath"), std::string::npos);
}

TEST(ConsoleHandlerTest, UserLookupByQuery) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  api::Json found = api::Json::parse(h.Handle(Get("/api/users", "q=ALICE%40example")).body);
  ASSERT_EQ(found["users"].size(), 1u);
  EXPECT_EQ(found["users"][0]["node"], "fra-1");
  EXPECT_EQ(api::Json::parse(h.Handle(Get("/api/users", "q=nobody")).body)["users"].size(), 0u);
  EXPECT_EQ(h.Handle(Get("/api/users", "q=" + std::string(300, 'a'))).status, 400);
}

TEST(ConsoleHandlerTest, OneSnapshotPerVersion) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed);
  const std::string first = h.Handle(Get("/api/fleet")).body;
  (void)h.Handle(Get("/events"));
  EXPECT_EQ(f.node_lists.load(), 1) << "an unchanged fleet is built once";
  f.nodes.pop_back();
  f.feed.Bump();
  EXPECT_EQ(h.Handle(Get("/api/fleet")).body, first) << "a change within the rebuild interval waits for it";
  EXPECT_EQ(f.node_lists.load(), 1);
  f.clock.Advance(ConsoleHandler::kMinRebuildInterval);
  const std::string second = h.Handle(Get("/api/fleet")).body;
  EXPECT_EQ(f.node_lists.load(), 2);
  EXPECT_NE(first, second);
  EXPECT_EQ(api::Json::parse(second)["version"], f.feed.Version());
}

// The id of an event and its data's version.
std::pair<std::string, api::Json> ParseEvent(const std::string& body) {
  EXPECT_EQ(body.rfind("retry: 1000\nid: ", 0), 0u) << body.substr(0, 40);
  const size_t id = body.find("id: ") + 4;
  const size_t data = body.find("\ndata: ");
  EXPECT_EQ(body.substr(body.size() - 2), "\n\n");
  return {body.substr(id, data - id), api::Json::parse(body.substr(data + 7))};
}

TEST(ConsoleHandlerTest, EventsAnswerAtOnceUnlessTheClientHoldsTheCurrentVersion) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed, 200ms);
  auto [id, data] = ParseEvent(h.Handle(Get("/events")).body);
  EXPECT_EQ(id, f.feed.Version());
  EXPECT_EQ(data["version"], id);
  EXPECT_EQ(data["fleet"]["nodes"][1]["phase"], "Unreachable");

  // Holding the current version: nothing new within the wait, the same event again.
  http::Request again = Get("/events");
  again.headers["last-event-id"] = id;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ParseEvent(h.Handle(again).body).first, id);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);

  // An older version (or another process's): at once.
  http::Request stale = Get("/events");
  stale.headers["last-event-id"] = "0000000000000000-0";
  const auto t0 = std::chrono::steady_clock::now();
  (void)h.Handle(stale);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 200ms);
}

TEST(ConsoleHandlerTest, AWaitingStreamIsAnsweredByTheNextChange) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed, 30s);
  const std::string held = f.feed.Version();
  http::Request r = Get("/events");
  r.headers["last-event-id"] = held;
  auto reply = std::async(std::launch::async, [&] { return h.Handle(r); });
  f.feed.Bump();  // the informer's handler
  ASSERT_EQ(reply.wait_for(10s), std::future_status::ready) << "the change did not end the wait";
  EXPECT_NE(ParseEvent(reply.get().body).first, held);
}

TEST(ConsoleHandlerTest, ClosingTheFeedEndsWaitingStreams) {
  Fixture f;
  ConsoleHandler h(f.Sources(), &f.feed, 30s);
  http::Request r = Get("/events");
  r.headers["last-event-id"] = f.feed.Version();
  auto reply = std::async(std::launch::async, [&] { return h.Handle(r); });
  f.feed.Close();
  EXPECT_EQ(reply.wait_for(10s), std::future_status::ready);
}

TEST(ConsoleHandlerTest, AFailingSourceIsA500) {
  Fixture f;
  ConsoleSources s = f.Sources();
  s.nodes = []() -> std::vector<api::Json> { throw std::runtime_error("boom"); };
  ConsoleHandler h(s, &f.feed);
  http::Response r = h.Handle(Get("/api/fleet"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace x3ui::controller::dashboard
