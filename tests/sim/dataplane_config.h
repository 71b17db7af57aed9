// File: tests/sim/dataplane_config.h
//
// RenderServerConfig: the v2ray 4.34 server configuration that serves a simulated panel's
// enabled inbounds to their enabled clients on 127.0.0.1, as the real panel renders Xray's.
// v2ray 4.34 speaks VLESS, VMess and Trojan over TCP or WebSocket, bare or in TLS; any other
// inbound (REALITY, shadowsocks, gRPC, ...) is left out with the reason, for the caller to log.
// Every client gets its email and level 0, and the config carries the stats service on a
// dokodemo-door inbound tagged "api", so each client's bytes can be read (dataplane_stats.h).
//
// A pure function of its arguments that never throws (panel state written by hand may hold any
// JSON). Thread-safety: safe to call from any thread.
#ifndef X3UI_TESTS_SIM_DATAPLANE_CONFIG_H_
#define X3UI_TESTS_SIM_DATAPLANE_CONFIG_H_

#include <string>
#include <vector>

#include "tests/sim/sim_panel.h"

namespace x3ui::sim {

// The certificate a TLS inbound is served with when its tlsSettings carry none.
struct FallbackCertificate {
  std::string certificate_file;
  std::string key_file;
};

struct RenderedServerConfig {
  Json config;                       // v2ray's JSON configuration
  std::vector<std::string> served;   // tags of the inbounds it serves
  std::vector<std::string> skipped;  // "tag: why" for each enabled inbound it cannot serve
};

RenderedServerConfig RenderServerConfig(const std::vector<SimInbound>& inbounds, int api_port,
                                        const FallbackCertificate& fallback);

}  // namespace x3ui::sim

#endif  // X3UI_TESTS_SIM_DATAPLANE_CONFIG_H_
