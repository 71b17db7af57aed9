// x3ui-operator: runs the fleet's controllers (see controller/manager.h), or checks manifests
// offline with --validate.
#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "controller/manager.h"
#include "controller/manifest_check.h"
#include "controller/options.h"
#include "controller/subscriptions_main.h"
#include "controller/version.h"
#include "pkg/common/logging.h"

namespace {

int Validate(const std::vector<std::string>& paths) {
  x3ui::Result<x3ui::api::Manifest> m = x3ui::controller::LoadManifests(paths);
  if (!m.ok()) {
    std::cerr << "invalid:\n" << m.status().message() << "\n";
    return 1;
  }
  x3ui::Status s = x3ui::controller::PrintPlacementPreview(*m, std::cout);
  if (!s.ok()) std::cerr << s.message() << "\n";
  return s.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using x3ui::controller::Options;
  std::vector<std::string> args(argv, argv + argc);
  // glibc gives every thread that allocates under contention an arena of its own; with dozens
  // of threads (workers, informers, cpprestsdk's pool) churning JSON, memory freed in one arena
  // cannot serve another and the resident size grows several-fold (the subscription server:
  // 63 MB against 48 MB with two arenas at 20,000 users, bench/README.md). Two arenas are
  // plenty for the CPUs either mode gets; MALLOC_ARENA_MAX in the environment still decides.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // A second process mode of the same binary and image: the read-only subscription server.
  if (args.size() > 1 && args[1] == "subscriptions") {
    return x3ui::controller::RunSubscriptions(std::vector<std::string>(args.begin() + 2, args.end()));
  }
  x3ui::Result<Options> opts = x3ui::controller::ParseOptions(args);
  if (!opts.ok()) {
    std::cerr << "x3ui-operator: " << opts.status().message() << "\n\n" << x3ui::controller::Usage();
    return 2;
  }
  if (opts->show_help) {
    std::cout << x3ui::controller::Usage();
    return 0;
  }
  std::cout << "x3ui-operator " << x3ui::controller::kVersion << " (" << x3ui::controller::kGitCommit << ")\n";
  if (opts->show_version) return 0;
  if (!opts->validate_paths.empty()) return Validate(opts->validate_paths);
  if (opts->database_url.empty()) {
    if (const char* env = std::getenv("DATABASE_URL")) opts->database_url = env;
  }
  std::cout << "configuration:\n" << opts->Describe() << std::flush;
  if (x3ui::Status s = x3ui::SetupLogging(opts->log_level, opts->log_format); !s.ok()) {
    std::cerr << "x3ui-operator: " << s.message() << "\n";
    return 2;
  }

  // SIGTERM/SIGINT: the first stops gracefully, a second exits at once (controller-runtime).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts

  auto manager = x3ui::controller::Manager::New(*opts);
  if (!manager.ok()) {
    spdlog::error("cannot start: {}", manager.status().message());
    return 1;
  }
  std::thread signals([&] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("signal {}: stopping (a second signal exits at once)", sig);
    (*manager)->Stop();
    sigwait(&set, &sig);
    std::_Exit(1);
  });
  signals.detach();
  int code = (*manager)->Run();
  spdlog::info("stopped");
  return code;
}
