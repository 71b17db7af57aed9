#include "controller/dashboard/console_server.h"

#include <spdlog/spdlog.h>

#include "pkg/http/probes.h"

namespace x3ui::controller::dashboard {
namespace {

constexpr char kFlag[] = "--dashboard-bind-address";

// Each open page holds one connection waiting in /events and, now and then, one more for a
// lookup; a handful of admins fit, and a flood of connections stays on this port.
http::ServerOptions ConsoleServerOptions() {
  return http::ServerOptions{.io_threads = 1, .handler_threads = 4, .max_connections = 16};
}

}  // namespace

FleetConsole::FleetConsole(ConsoleSources sources) : handler_(std::move(sources), &feed_) {}

FleetConsole::~FleetConsole() {
  feed_.Close();
  if (server_) server_->Stop();
}

Result<std::unique_ptr<FleetConsole>> FleetConsole::Serve(const std::string& bind_address, ConsoleSources sources) {
  auto parsed = http::ParseBindAddress(bind_address);
  if (!parsed.ok()) return parsed.status().WithContext(kFlag);
  if (parsed->second == 0) return std::unique_ptr<FleetConsole>();
  std::unique_ptr<FleetConsole> console(new FleetConsole(std::move(sources)));
  console->server_ = std::make_unique<http::HttpServer>(
      parsed->first, parsed->second, [c = console.get()](const http::Request& r) { return c->handler_.Handle(r); },
      ConsoleServerOptions());
  if (Status s = console->server_->Start(); !s.ok()) {
    return s.WithContext(std::string(kFlag) + " " + bind_address + ": cannot listen");
  }
  spdlog::info("fleet console listening on http://{}:{}/ (read-only)", parsed->first, parsed->second);
  return console;
}

kube::InformerHandlers FleetConsole::ChangeHandlers() {
  return {.on_add = [this](const kube::Json&) { feed_.Bump(); },
          .on_update = [this](const kube::Json&, const kube::Json&) { feed_.Bump(); },
          .on_delete = [this](const kube::Json&) { feed_.Bump(); }};
}

}  // namespace x3ui::controller::dashboard
