// x3ui-sim: many simulated 3x-ui panels in one process, plus a control API (tests/sim/README.md).
//
//   x3ui-sim --config panels.yaml [--ready-file F]
//   x3ui-sim --panels 20 --base-port 21000 --control-port 20999 [--flavor 2.8] [--latency-ms 10]
//            [--username admin --password admin] [--dataplane] [--ready-file F]
//
// Runs until SIGINT or SIGTERM. The ready file is written once every port listens.
#include <csignal>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/sim/sim_server.h"

int main(int argc, char** argv) {
  std::string config, ready_file, username = "admin", password = "admin", flavor_name = "2.8";
  int panels = 0, base_port = 21000, control_port = 20999, latency_ms = 0;
  bool dataplane = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "x3ui-sim: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") config = next();
    else if (a == "--ready-file") ready_file = next();
    else if (a == "--panels") panels = std::stoi(next());
    else if (a == "--base-port") base_port = std::stoi(next());
    else if (a == "--control-port") control_port = std::stoi(next());
    else if (a == "--flavor") flavor_name = next();
    else if (a == "--latency-ms") latency_ms = std::stoi(next());
    else if (a == "--username") username = next();
    else if (a == "--password") password = next();
    else if (a == "--dataplane") dataplane = true;
    else {
      std::cerr << "x3ui-sim: unknown argument " << a << "\n";
      return 2;
    }
  }
  std::vector<x3ui::sim::PanelConfig> defs;
  if (!config.empty()) {
    auto loaded = x3ui::sim::LoadPanels(config, &control_port);
    if (!loaded.ok()) {
      std::cerr << "x3ui-sim: " << loaded.status().message() << "\n";
      return 2;
    }
    defs = std::move(loaded).value();
  } else {
    x3ui::sim::Flavor flavor;
    if (!x3ui::sim::ParseFlavor(flavor_name, &flavor)) {
      std::cerr << "x3ui-sim: --flavor must be 2.8-legacy, 2.8, 3.0 or 3.1\n";
      return 2;
    }
    defs = x3ui::sim::GeneratePanels(panels, base_port, flavor, username, password, dataplane);
  }
  if (defs.empty()) {
    std::cerr << "x3ui-sim: no panels (use --config or --panels)\n";
    return 2;
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts listening

  x3ui::sim::SimServer server(defs, control_port);
  if (latency_ms > 0) {
    for (const auto& n : server.names()) {
      x3ui::sim::Faults f;
      f.latency_ms = latency_ms;
      server.panel(n)->SetFaults(f);
    }
  }
  x3ui::Status s = server.Start();
  if (!s.ok()) {
    std::cerr << "x3ui-sim: " << s.message() << "\n";
    return 1;
  }
  std::cout << "x3ui-sim: " << defs.size() << " panel(s) listening; control API on 127.0.0.1:" << control_port
            << std::endl;
  if (!ready_file.empty()) std::ofstream(ready_file) << control_port << "\n";
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}
