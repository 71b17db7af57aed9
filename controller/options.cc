#include "controller/options.h"

#include <sstream>

#include "controller/flag_table.h"
#include "controller/flag_values.h"
#include "pkg/store/connection_string.h"

namespace x3ui::controller {
namespace {

Status ParseHostPatternsFlag(const std::string& name, const std::string& v, std::vector<HostPattern>* out) {
  Result<std::vector<HostPattern>> patterns = ParseHostPatterns(v);
  if (!patterns.ok()) return Status::InvalidArgument("--" + name + ": " + patterns.status().message());
  *out = std::move(patterns).value();
  return Status::Ok();
}

std::string JoinPatterns(const std::vector<HostPattern>& patterns) {
  std::string out;
  for (const HostPattern& p : patterns) out += (out.empty() ? "" : ",") + p.text;
  return out;
}

using namespace std::chrono_literals;

// An http(s) URL the token is appended to; a missing trailing "/" is added so the token is a
// path segment of its own.
Status ParseSubscriptionBaseUrl(const std::string& v, std::string* out) {
  if (v.empty()) {
    out->clear();
    return Status::Ok();
  }
  if (v.rfind("https://", 0) != 0 && v.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("--subscription-base-url: must start with https:// or http://; got \"" + v + "\"");
  }
  if (v.find_first_of("?# ") != std::string::npos) {
    return Status::InvalidArgument("--subscription-base-url: no query, fragment or space; got \"" + v + "\"");
  }
  *out = v.back() == '/' ? v : v + "/";
  return Status::Ok();
}

Status ParseMoveStep(const std::string& v, std::string* out) {
  for (const char* step : kMoveSteps) {
    if (v == step) {
      *out = v;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("--crash-after-move-step: must be one of planned, added-on-target, committed, "
                                 "switched, removed-from-source; got \"" + v + "\"");
}

const FlagTable<Options>& Flags() {
  static const FlagTable<Options> flags = {
      {"kubeconfig", {"Path to a kubeconfig file. Empty: in-cluster configuration.", false,
                      [](Options* o, const std::string& v) { o->kubeconfig = v; return Status::Ok(); }}},
      {"namespace", {"Watch only this namespace. Empty: all namespaces.", false,
                     [](Options* o, const std::string& v) { o->namespace_ = v; return Status::Ok(); }}},
      {"leader-elect", {"Elect a leader through a coordination.k8s.io/v1 Lease before reconciling.", true,
                        [](Options* o, const std::string& v) { return ParseBoolFlag("leader-elect", v, &o->leader_elect); }}},
      {"leader-election-id", {"Name of the leader-election Lease.", false,
                              [](Options* o, const std::string& v) { o->leader_election_id = v; return Status::Ok(); }}},
      {"leader-election-namespace", {"Namespace of the Lease. Empty: --namespace, else $POD_NAMESPACE, else default.", false,
                                     [](Options* o, const std::string& v) { o->leader_election_namespace = v; return Status::Ok(); }}},
      {"metrics-bind-address", {"Address of the Prometheus /metrics endpoint (plain HTTP, no authentication: the default "
                                "127.0.0.1:8080 keeps it on loopback; :8080 serves every interface); \"0\" disables it.", false,
                                [](Options* o, const std::string& v) { o->metrics_bind_address = v; return Status::Ok(); }}},
      {"dashboard-bind-address", {"Address of the read-only fleet console (plain HTTP, no authentication: the default "
                                  "127.0.0.1:8082 keeps it on loopback, reached with kubectl port-forward); \"0\" disables it.", false,
                                  [](Options* o, const std::string& v) { o->dashboard_bind_address = v; return Status::Ok(); }}},
      {"health-probe-bind-address", {"Address of /healthz and /readyz.", false,
                                     [](Options* o, const std::string& v) { o->health_probe_bind_address = v; return Status::Ok(); }}},
      {"database-url", {"PostgreSQL connection string for the ledger (prefer the DATABASE_URL env from a Secret).", false,
                        [](Options* o, const std::string& v) { o->database_url = v; return Status::Ok(); }}},
      {"log-level", {"trace, debug, info, warn or error.", false,
                     [](Options* o, const std::string& v) {
                       return ParseOneOfFlag("log-level", v, {"trace", "debug", "info", "warn", "error"}, &o->log_level);
                     }}},
      {"log-format", {"text or json.", false,
                      [](Options* o, const std::string& v) { return ParseOneOfFlag("log-format", v, {"text", "json"}, &o->log_format); }}},
      {"kube-api-qps", {"Client-side rate limit for kube-apiserver requests per second.", false,
                        [](Options* o, const std::string& v) { return ParsePositiveFlag("kube-api-qps", v, &o->kube_api_qps); }}},
      {"kube-api-burst", {"Burst allowed above --kube-api-qps.", false,
                          [](Options* o, const std::string& v) { return ParseIntFlag("kube-api-burst", v, 1, 100000, &o->kube_api_burst); }}},
      {"max-concurrent-reconciles", {"Workers per controller.", false,
                                     [](Options* o, const std::string& v) {
                                       return ParseIntFlag("max-concurrent-reconciles", v, 1, 1000, &o->max_concurrent_reconciles);
                                     }}},
      {"probe-interval", {"Default interval between panel probes (a VpnNode's spec.probe overrides it).", false,
                          [](Options* o, const std::string& v) { return ParseDurationFlag("probe-interval", v, 1s, &o->probe_interval); }}},
      {"failure-threshold", {"Consecutive failed probes that move a node Ready -> Degraded -> Unreachable.", false,
                             [](Options* o, const std::string& v) { return ParseIntFlag("failure-threshold", v, 1, 100, &o->failure_threshold); }}},
      {"success-threshold", {"Consecutive good probes that bring a node back to Ready.", false,
                             [](Options* o, const std::string& v) { return ParseIntFlag("success-threshold", v, 1, 100, &o->success_threshold); }}},
      {"failover-grace", {"How long a node stays Unreachable before its users fail over.", false,
                          [](Options* o, const std::string& v) { return ParseDurationFlag("failover-grace", v, 0ms, &o->failover_grace); }}},
      {"disruption-budget", {"Most users migrating at once, across every trigger.", false,
                             [](Options* o, const std::string& v) { return ParseIntFlag("disruption-budget", v, 1, 1000000, &o->disruption_budget); }}},
      {"graceful-shutdown-timeout", {"How long SIGTERM waits for in-flight work.", false,
                                     [](Options* o, const std::string& v) {
                                       return ParseDurationFlag("graceful-shutdown-timeout", v, 0ms, &o->graceful_shutdown_timeout);
                                     }}},
      {"ledger-audit-interval", {"How often the ledger's active placements are checked against the assignments' status "
                                 "and corrected (also 10s after a refused ledger write).", false,
                                 [](Options* o, const std::string& v) {
                                   return ParseDurationFlag("ledger-audit-interval", v, 1s, &o->ledger_audit_interval);
                                 }}},
      {"panel-host-allow", {"Comma-separated panel hosts the operator may contact: host globs (*.example.com) and IP "
                            "addresses or CIDR blocks (10.0.0.0/8). Empty: every host not denied.", false,
                            [](Options* o, const std::string& v) { return ParseHostPatternsFlag("panel-host-allow", v, &o->panel_host_allow); }}},
      {"panel-host-deny", {"Comma-separated panel hosts the operator never contacts (globs or CIDR blocks, as for "
                           "--panel-host-allow); deny wins over allow.", false,
                           [](Options* o, const std::string& v) { return ParseHostPatternsFlag("panel-host-deny", v, &o->panel_host_deny); }}},
      {"refuse-insecure-panels", {"Refuse panels reached over plain http:// or with spec.panel.insecureSkipTLSVerify: "
                                  "no credential is sent to them and their VpnNode is Ready=False "
                                  "InsecureTransportRefused. Off: they are used, with the InsecureTransport condition "
                                  "and a Warning Event.", true,
                                  [](Options* o, const std::string& v) {
                                    return ParseBoolFlag("refuse-insecure-panels", v, &o->refuse_insecure_panels);
                                  }}},
      {"subscription-base-url",
       {"Public prefix of the users' subscription URLs (https://sub.example.com/sub/); each credentials Secret's "
        "subscriptionUrl is it plus the user's token. Empty: no subscriptionUrl.",
        false, [](Options* o, const std::string& v) { return ParseSubscriptionBaseUrl(v, &o->subscription_base_url); }}},
      {"crash-after-move-step",
       {"Testing only: SIGKILL the process right after this step of a user's move (planned, added-on-target, "
        "committed, switched, removed-from-source), once the ledger holds it.",
        false, [](Options* o, const std::string& v) { return ParseMoveStep(v, &o->crash_after_move_step); }}},
      {"validate", {"Check the manifests in this file or directory (repeatable), preview their placement, and exit.",
                    false, [](Options* o, const std::string& v) {
                      o->validate_paths.push_back(v);
                      return Status::Ok();
                    }}},
      {"version", {"Print the version and exit.", true,
                   [](Options* o, const std::string& v) { return ParseBoolFlag("version", v, &o->show_version); }}},
      {"help", {"Print this help and exit.", true,
                [](Options* o, const std::string& v) { return ParseBoolFlag("help", v, &o->show_help); }}},
  };
  return flags;
}

}  // namespace

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  if (Status s = ParseFlags(Flags(), args, 1, &o); !s.ok()) return s;
  return o;
}

std::string Usage() {
  return "Usage: x3ui-operator [flags]\n       x3ui-operator subscriptions [flags]   (see x3ui-operator subscriptions --help)\n\n"
         "Runs a fleet of 3x-ui panels from VpnNode, VpnAssignment and VpnMigration resources.\n\nFlags:\n" +
         FlagHelp(Flags()) + "\nThe DATABASE_URL environment variable is used when --database-url is not given.\n";
}

std::string Options::Describe() const {
  std::ostringstream out;
  auto line = [&out](const char* k, const std::string& v) { out << "  " << k << ": " << (v.empty() ? "\"\"" : v) << "\n"; };
  line("kubeconfig", kubeconfig.empty() ? "(in-cluster)" : kubeconfig);
  line("namespace", namespace_.empty() ? "(all)" : namespace_);
  line("leader-elect", leader_elect ? "true" : "false");
  line("leader-election-id", leader_election_id);
  line("leader-election-namespace", leader_election_namespace);
  line("metrics-bind-address", metrics_bind_address);
  line("health-probe-bind-address", health_probe_bind_address);
  line("dashboard-bind-address", dashboard_bind_address);
  line("database-url", database_url.empty() ? "(none)" : store::DescribeConnectionString(database_url));
  line("log-level", log_level);
  line("log-format", log_format);
  std::ostringstream qps;
  qps << kube_api_qps;
  line("kube-api-qps", qps.str());
  line("kube-api-burst", std::to_string(kube_api_burst));
  line("max-concurrent-reconciles", std::to_string(max_concurrent_reconciles));
  line("probe-interval", FormatDuration(probe_interval));
  line("failure-threshold", std::to_string(failure_threshold));
  line("success-threshold", std::to_string(success_threshold));
  line("failover-grace", FormatDuration(failover_grace));
  line("disruption-budget", std::to_string(disruption_budget));
  line("graceful-shutdown-timeout", FormatDuration(graceful_shutdown_timeout));
  line("ledger-audit-interval", FormatDuration(ledger_audit_interval));
  line("panel-host-allow", panel_host_allow.empty() ? "(every host)" : JoinPatterns(panel_host_allow));
  line("panel-host-deny", panel_host_deny.empty() ? "(none)" : JoinPatterns(panel_host_deny));
  line("refuse-insecure-panels", refuse_insecure_panels ? "true" : "false");
  if (!subscription_base_url.empty()) line("subscription-base-url", subscription_base_url);
  if (!crash_after_move_step.empty()) line("crash-after-move-step", crash_after_move_step);
  return out.str();
}

}  // namespace x3ui::controller
