// x3ui-operator: for now it parses its flags, prints its version and configuration, and exits,
// or checks manifests offline (--validate). The manager (informers, reconcilers, leader
// election, metrics) is wired in by later work.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "controller/manifest_check.h"
#include "controller/options.h"
#include "controller/version.h"

int main(int argc, char** argv) {
  using x3ui::controller::Options;
  std::vector<std::string> args(argv, argv + argc);
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
  if (!opts->validate_paths.empty()) {
    x3ui::Result<x3ui::api::Manifest> m = x3ui::controller::LoadManifests(opts->validate_paths);
    if (!m.ok()) {
      std::cerr << "invalid:\n" << m.status().message() << "\n";
      return 1;
    }
    x3ui::Status s = x3ui::controller::PrintPlacementPreview(*m, std::cout);
    if (!s.ok()) std::cerr << s.message() << "\n";
    return s.ok() ? 0 : 1;
  }
  if (opts->database_url.empty()) {
    if (const char* env = std::getenv("DATABASE_URL")) opts->database_url = env;
  }
  std::cout << "configuration:\n" << opts->Describe();
  return 0;
}
