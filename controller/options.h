// File: controller/options.h
//
// The operator's command-line flags, in controller-runtime's style (SPEC.md §5). Parsing never
// exits the process: errors come back as a Status for main to print with the usage text.
//
// Thread-safety: plain value.
#ifndef X3UI_CONTROLLER_OPTIONS_H_
#define X3UI_CONTROLLER_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/flag_values.h"  // ParseDuration, FormatDuration
#include "controller/panel_host_policy.h"
#include "pkg/common/status.h"

namespace x3ui::controller {

// The steps of a user's move, in order, as --crash-after-move-step names them.
inline constexpr const char* kMoveSteps[] = {"planned", "added-on-target", "committed", "switched", "removed-from-source"};

struct Options {
  std::string kubeconfig;                       // empty: in-cluster configuration
  std::string namespace_;                       // empty: all namespaces
  bool leader_elect = false;
  std::string leader_election_id = "x3ui-operator-leader";
  std::string leader_election_namespace;        // empty: the operator's own namespace
  // Loopback only: /metrics is plain, unauthenticated HTTP. "0" disables it.
  std::string metrics_bind_address = "127.0.0.1:8080";
  std::string health_probe_bind_address = ":8081";
  // The read-only fleet console; loopback only (reached through kubectl port-forward): it is plain
  // HTTP without authentication. "0" disables it.
  std::string dashboard_bind_address = "127.0.0.1:8082";
  std::string database_url;                     // libpq URI or key=value string; may hold a password
  std::string log_level = "info";               // trace | debug | info | warn | error
  std::string log_format = "text";              // text | json
  double kube_api_qps = 20;
  int64_t kube_api_burst = 30;
  int64_t max_concurrent_reconciles = 4;
  std::chrono::milliseconds probe_interval{30000};
  int64_t failure_threshold = 3;                // consecutive failures: Ready -> Degraded -> Unreachable
  int64_t success_threshold = 2;                // consecutive successes to return to Ready
  std::chrono::milliseconds failover_grace{60000};
  int64_t disruption_budget = 50;               // users in flight across every migration
  std::chrono::milliseconds graceful_shutdown_timeout{30000};
  // How often the ledger's active placements are checked against the assignments' status (and
  // corrected); also soon after a ledger write was refused.
  std::chrono::milliseconds ledger_audit_interval{300000};
  // The panel hosts the operator may contact (--panel-host-allow; empty: every host) and may not
  // (--panel-host-deny, which wins).
  std::vector<HostPattern> panel_host_allow;
  std::vector<HostPattern> panel_host_deny;
  // --refuse-insecure-panels: no credential goes to a plain http:// panel or one whose
  // certificate is not verified (insecureSkipTLSVerify); such a node is Ready=False.
  bool refuse_insecure_panels = false;
  // --subscription-base-url: the public prefix of every user's subscription URL, the token
  // appended ("https://sub.example.com/sub/"). Empty: the Secrets carry no subscriptionUrl.
  std::string subscription_base_url;
  // Fault injection for the crash tests only: SIGKILL right after this step of a move.
  std::string crash_after_move_step;
  std::vector<std::string> validate_paths;      // --validate: check manifests offline and exit
  bool show_version = false;
  bool show_help = false;

  // A human-readable listing of every option; the database password is replaced by "***".
  std::string Describe() const;
  // The policy --panel-host-allow, --panel-host-deny and --refuse-insecure-panels describe, with
  // the system resolver.
  PanelHostPolicy PanelHosts() const {
    return PanelHostPolicy(panel_host_allow, panel_host_deny).RefusingInsecureTransport(refuse_insecure_panels);
  }
};

// Parses argv (argv[0] is skipped). Accepts --flag=value and --flag value; booleans also as a
// bare --flag. Durations are Go-style: 300ms, 30s, 5m, 1h30m. Returns InvalidArgument naming the
// flag for an unknown flag, a missing or malformed value, or a value out of range.
Result<Options> ParseOptions(const std::vector<std::string>& args);

// The usage text printed by --help.
std::string Usage();

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_OPTIONS_H_
