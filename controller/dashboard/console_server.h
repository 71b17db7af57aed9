// File: controller/dashboard/console_server.h
//
// FleetConsole: the fleet console's own HTTP server (its own handler threads and a small
// connection cap, so that open consoles can never starve /metrics or the probes), its change
// feed, and the informer handlers that bump it.
//
// Ownership: owns the server, the handler and the feed. Thread-safety: ChangeHandlers before the
// informers start; the destructor closes the feed (waiting event streams return at once) and
// stops the server.
#ifndef X3UI_CONTROLLER_DASHBOARD_CONSOLE_SERVER_H_
#define X3UI_CONTROLLER_DASHBOARD_CONSOLE_SERVER_H_

#include <memory>
#include <string>

#include "controller/dashboard/change_feed.h"
#include "controller/dashboard/console_handler.h"
#include "pkg/common/status.h"
#include "pkg/http/http_server.h"
#include "pkg/kube/informer.h"

namespace x3ui::controller::dashboard {

class FleetConsole {
 public:
  // Listens on `bind_address` (a controller-runtime bind address; "0": no console, null
  // returned). The error names the flag: an address that does not parse, or cannot be bound.
  static Result<std::unique_ptr<FleetConsole>> Serve(const std::string& bind_address, ConsoleSources sources);
  ~FleetConsole();
  FleetConsole(const FleetConsole&) = delete;
  FleetConsole& operator=(const FleetConsole&) = delete;

  // Handlers for an informer the console reads: every add, update and delete is a new version.
  kube::InformerHandlers ChangeHandlers();

 private:
  explicit FleetConsole(ConsoleSources sources);

  ChangeFeed feed_;
  ConsoleHandler handler_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace x3ui::controller::dashboard

#endif  // X3UI_CONTROLLER_DASHBOARD_CONSOLE_SERVER_H_
