// File: tests/sim/sim_server.h
//
// SimServer: hosts many SimPanels, each on its own loopback port, plus a control API on another
// port (not part of any panel) to inject faults and read state:
//   GET    /healthz
//   GET    /panels                         every panel's state (SimPanel::Describe)
//   GET    /panels/{name}
//   PUT    /panels/{name}/faults           {"latency_ms","error_rate","fail_500","outage","hang","api_fault","drip_ms"} (merged)
//   POST   /panels/{name}/restart          sessions dropped, status null for 2 s, data kept, v2ray restarted
//   POST   /panels/{name}/expire-sessions
//   POST   /panels/{name}/clients          {"inbound_id":1,"client":{...}} added by hand
//   DELETE /panels/{name}/clients/{email}  deleted by hand (even an inbound's last client)
//   POST   /reset-counters
// An outage closes the panel's listener, so connections are refused, and reopens it after.
// A panel with `dataplane` set also runs its Dataplane (dataplane.h) from Start to Stop; its
// state is the "dataplane" field of the panel's.
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_TESTS_SIM_SIM_SERVER_H_
#define X3UI_TESTS_SIM_SIM_SERVER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/http/http_server.h"
#include "tests/sim/dataplane.h"
#include "tests/sim/sim_panel.h"

namespace x3ui::sim {

class SimServer {
 public:
  SimServer(std::vector<PanelConfig> panels, int control_port);
  ~SimServer();

  // Opens every panel's port and the control port.
  Status Start();
  void Stop();

  SimPanel* panel(const std::string& name);
  std::vector<std::string> names() const;
  int control_port() const { return control_port_; }

  // Applies faults, opening or closing the panel's port as `outage` says.
  Status SetFaults(const std::string& name, const Faults& f);

 private:
  struct Host {
    std::unique_ptr<SimPanel> panel;
    std::unique_ptr<http::HttpServer> http;
    std::unique_ptr<Dataplane> dataplane;  // null unless the panel has one
  };
  Json DescribePanel(const std::string& name);
  void RestartDataplane(const std::string& name);
  SimResponse Control(const SimRequest& req);

  const int control_port_;
  mutable std::mutex mu_;
  std::map<std::string, Host> hosts_;
  std::unique_ptr<http::HttpServer> control_;
};

// Panel definitions from a YAML or JSON file (see tests/sim/README.md).
Result<std::vector<PanelConfig>> LoadPanels(const std::string& path, int* control_port);
// `count` panels named panel-0.. on ports base_port.., each with the default inbounds. With
// `dataplane` each also runs a data plane, its trojan inbound on port base_port + count + i.
std::vector<PanelConfig> GeneratePanels(int count, int base_port, Flavor flavor, const std::string& username,
                                        const std::string& password, bool dataplane = false);
// A vless REALITY inbound (id 1, port 443) and a trojan ws+tls inbound (id 2, port 8443), each
// holding one client the operator does not own, as panels in the field do.
std::vector<SimInbound> DefaultInbounds(const std::string& panel_name);

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_SIM_SERVER_H_
