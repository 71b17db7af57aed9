// File: controller/dashboard/console_handler.h
//
// The fleet console's HTTP handler: read-only, GET and HEAD only (anything else 405).
//   /              the page (assets/index.html), /console.css, /console.js: served from the binary
//   /api/fleet     the snapshot: fleet (fleet_view), moves and VpnMigrations (moves_view), as JSON
//   /api/users?q=  the user lookup (user_lookup)
//   /events        server-sent events, one per response: "retry: 1000", the snapshot's version as
//                  the id and the snapshot as data. A request whose Last-Event-ID is the current
//                  version waits (up to event_wait) for the caches to change first; then the
//                  response ends and the browser's EventSource reconnects by itself. The project's
//                  HTTP server writes whole responses, which is why the stream is cut this way.
// Every response carries a Content-Security-Policy allowing only this origin's script and style
// (the page has no inline script), nosniff, no-store and no-referrer. A request whose Host is not
// localhost or an IP address is refused (403): a web page the browser visits cannot read the
// console through a DNS name rebound to 127.0.0.1 (the console is reached by port-forward).
//
// The snapshot is built once per version and shared by every request of that version, and at
// most once per kMinRebuildInterval or ten times its last build's duration, whichever is longer:
// a build decodes every cached assignment (a large fleet changes many times a second, and a
// build there takes a good part of a second), so an open console costs at most about a tenth of
// a core however busy the fleet is; the page then lags the caches by that interval.
//
// Ownership: borrows `feed`, which must outlive it. Thread-safety: Handle may run concurrently
// on the server's handler threads; the sources are called from them.
#ifndef X3UI_CONTROLLER_DASHBOARD_CONSOLE_HANDLER_H_
#define X3UI_CONTROLLER_DASHBOARD_CONSOLE_HANDLER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controller/dashboard/change_feed.h"
#include "pkg/api/types.h"
#include "pkg/common/clock.h"
#include "pkg/common/mutex.h"
#include "pkg/http/http_server.h"

namespace x3ui::controller::dashboard {

// Where the console reads the fleet: the informers' caches (List), and whether they are synced
// (a replica that does not lead has not started its informers).
struct ConsoleSources {
  std::function<std::vector<api::Json>()> nodes, assignments, migrations;
  std::function<bool()> synced;
  const Clock* clock = nullptr;
};

class ConsoleHandler {
 public:
  static constexpr std::chrono::milliseconds kMinRebuildInterval{1000};
  static constexpr int kRebuildCostFactor = 10;

  ConsoleHandler(ConsoleSources sources, const ChangeFeed* feed,
                 std::chrono::milliseconds event_wait = std::chrono::seconds(10));

  http::Response Handle(const http::Request& r) const;

 private:
  struct Snapshot {
    std::string version;
    std::string json;  // the body of /api/fleet and the data of an event
  };
  http::Response Route(const http::Request& r) const;
  std::shared_ptr<const Snapshot> Current() const;
  std::shared_ptr<const Snapshot> Build(const std::string& version) const;
  http::Response Events(const http::Request& r) const;
  http::Response Users(const http::Request& r) const;

  const ConsoleSources sources_;
  const ChangeFeed* const feed_;
  const std::chrono::milliseconds event_wait_;
  mutable Mutex mu_;
  mutable std::shared_ptr<const Snapshot> cached_ GUARDED_BY(mu_);
  mutable TimePoint next_build_ GUARDED_BY(mu_){};
};

}  // namespace x3ui::controller::dashboard

#endif  // X3UI_CONTROLLER_DASHBOARD_CONSOLE_HANDLER_H_
