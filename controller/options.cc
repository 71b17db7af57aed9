#include "controller/options.h"

#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "pkg/store/connection_string.h"

namespace x3ui::controller {
namespace {

// One flag: how to set it from a string, and its help line.
struct Flag {
  std::string help;
  bool is_bool = false;
  std::function<Status(Options*, const std::string&)> set;
};

Status ParseInt(const std::string& name, const std::string& v, int64_t lo, int64_t hi, int64_t* out) {
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used, 10);
    if (used != v.size()) throw std::invalid_argument(v);
    if (x < lo || x > hi) {
      return Status::InvalidArgument("--" + name + ": must be between " + std::to_string(lo) + " and " +
                                     std::to_string(hi) + ", got " + v);
    }
    *out = x;
    return Status::Ok();
  } catch (const std::exception&) {
    return Status::InvalidArgument("--" + name + ": must be an integer, got \"" + v + "\"");
  }
}

Status ParseBool(const std::string& name, const std::string& v, bool* out) {
  if (v == "true" || v == "1") {
    *out = true;
  } else if (v == "false" || v == "0") {
    *out = false;
  } else {
    return Status::InvalidArgument("--" + name + ": must be true or false, got \"" + v + "\"");
  }
  return Status::Ok();
}

Status ParseDurationFlag(const std::string& name, const std::string& v, std::chrono::milliseconds min,
                         std::chrono::milliseconds* out) {
  auto d = ParseDuration(v);
  if (!d) return Status::InvalidArgument("--" + name + ": must be a duration such as 30s or 5m, got \"" + v + "\"");
  if (*d < min) return Status::InvalidArgument("--" + name + ": must be at least " + FormatDuration(min));
  *out = *d;
  return Status::Ok();
}

Status ParseOneOf(const std::string& name, const std::string& v, std::vector<std::string> allowed, std::string* out) {
  for (const auto& a : allowed) {
    if (v == a) {
      *out = v;
      return Status::Ok();
    }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Status::InvalidArgument("--" + name + ": must be one of " + list + ", got \"" + v + "\"");
}

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

Status ParsePositive(const char* flag, const std::string& v, double* out) {
  try {
    size_t used = 0;
    double q = std::stod(v, &used);
    if (used != v.size() || !std::isfinite(q) || q <= 0) throw std::invalid_argument(v);
    *out = q;
    return Status::Ok();
  } catch (const std::exception&) {
    return Status::InvalidArgument(std::string("--") + flag + ": must be a positive number, got \"" + v + "\"");
  }
}

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

const std::map<std::string, Flag>& Flags() {
  static const std::map<std::string, Flag> flags = {
      {"kubeconfig", {"Path to a kubeconfig file. Empty: in-cluster configuration.", false,
                      [](Options* o, const std::string& v) { o->kubeconfig = v; return Status::Ok(); }}},
      {"namespace", {"Watch only this namespace. Empty: all namespaces.", false,
                     [](Options* o, const std::string& v) { o->namespace_ = v; return Status::Ok(); }}},
      {"leader-elect", {"Elect a leader through a coordination.k8s.io/v1 Lease before reconciling.", true,
                        [](Options* o, const std::string& v) { return ParseBool("leader-elect", v, &o->leader_elect); }}},
      {"leader-election-id", {"Name of the leader-election Lease.", false,
                              [](Options* o, const std::string& v) { o->leader_election_id = v; return Status::Ok(); }}},
      {"leader-election-namespace", {"Namespace of the Lease. Empty: --namespace, else $POD_NAMESPACE, else default.", false,
                                     [](Options* o, const std::string& v) { o->leader_election_namespace = v; return Status::Ok(); }}},
      {"metrics-bind-address", {"Address of the Prometheus /metrics endpoint (plain HTTP, no authentication: the default "
                                "127.0.0.1:8080 keeps it on loopback; :8080 serves every interface); \"0\" disables it.", false,
                                [](Options* o, const std::string& v) { o->metrics_bind_address = v; return Status::Ok(); }}},
      {"health-probe-bind-address", {"Address of /healthz and /readyz.", false,
                                     [](Options* o, const std::string& v) { o->health_probe_bind_address = v; return Status::Ok(); }}},
      {"database-url", {"PostgreSQL connection string for the ledger (prefer the DATABASE_URL env from a Secret).", false,
                        [](Options* o, const std::string& v) { o->database_url = v; return Status::Ok(); }}},
      {"log-level", {"trace, debug, info, warn or error.", false,
                     [](Options* o, const std::string& v) {
                       return ParseOneOf("log-level", v, {"trace", "debug", "info", "warn", "error"}, &o->log_level);
                     }}},
      {"log-format", {"text or json.", false,
                      [](Options* o, const std::string& v) { return ParseOneOf("log-format", v, {"text", "json"}, &o->log_format); }}},
      {"kube-api-qps", {"Client-side rate limit for kube-apiserver requests per second.", false,
                        [](Options* o, const std::string& v) { return ParsePositive("kube-api-qps", v, &o->kube_api_qps); }}},
      {"kube-api-burst", {"Burst allowed above --kube-api-qps.", false,
                          [](Options* o, const std::string& v) { return ParseInt("kube-api-burst", v, 1, 100000, &o->kube_api_burst); }}},
      {"max-concurrent-reconciles", {"Workers per controller.", false,
                                     [](Options* o, const std::string& v) {
                                       return ParseInt("max-concurrent-reconciles", v, 1, 1000, &o->max_concurrent_reconciles);
                                     }}},
      {"probe-interval", {"Default interval between panel probes (a VpnNode's spec.probe overrides it).", false,
                          [](Options* o, const std::string& v) { return ParseDurationFlag("probe-interval", v, 1s, &o->probe_interval); }}},
      {"failure-threshold", {"Consecutive failed probes that move a node Ready -> Degraded -> Unreachable.", false,
                             [](Options* o, const std::string& v) { return ParseInt("failure-threshold", v, 1, 100, &o->failure_threshold); }}},
      {"success-threshold", {"Consecutive good probes that bring a node back to Ready.", false,
                             [](Options* o, const std::string& v) { return ParseInt("success-threshold", v, 1, 100, &o->success_threshold); }}},
      {"failover-grace", {"How long a node stays Unreachable before its users fail over.", false,
                          [](Options* o, const std::string& v) { return ParseDurationFlag("failover-grace", v, 0ms, &o->failover_grace); }}},
      {"disruption-budget", {"Most users migrating at once, across every trigger.", false,
                             [](Options* o, const std::string& v) { return ParseInt("disruption-budget", v, 1, 1000000, &o->disruption_budget); }}},
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
                                    return ParseBool("refuse-insecure-panels", v, &o->refuse_insecure_panels);
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
                   [](Options* o, const std::string& v) { return ParseBool("version", v, &o->show_version); }}},
      {"help", {"Print this help and exit.", true,
                [](Options* o, const std::string& v) { return ParseBool("help", v, &o->show_help); }}},
  };
  return flags;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& s) {
  static const std::regex kPart(R"(([0-9]+(?:\.[0-9]+)?)(ms|h|m|s))");
  if (s.empty()) return std::nullopt;
  if (s == "0") return std::chrono::milliseconds(0);
  double total_ms = 0;
  size_t pos = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kPart); it != std::sregex_iterator(); ++it) {
    if (static_cast<size_t>(it->position()) != pos) return std::nullopt;
    double n = std::stod((*it)[1]);
    std::string unit = (*it)[2];
    total_ms += n * (unit == "h" ? 3600000.0 : unit == "m" ? 60000.0 : unit == "s" ? 1000.0 : 1.0);
    pos += it->length();
  }
  if (pos != s.size() || total_ms > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms >= 3600000) {
    out += std::to_string(ms / 3600000) + "h";
    ms %= 3600000;
  }
  if (ms >= 60000) {
    out += std::to_string(ms / 60000) + "m";
    ms %= 60000;
  }
  if (ms >= 1000) {  // Go prints seconds with a fraction: 1.5s
    std::string frac = ms % 1000 ? "." + std::to_string(1000 + ms % 1000).substr(1) : "";
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out += std::to_string(ms / 1000) + frac + "s";
  } else if (ms > 0) {
    out += std::to_string(ms) + "ms";
  }
  return out;
}

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  const auto& flags = Flags();
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 && !(arg.size() > 1 && arg[0] == '-')) {
      return Status::InvalidArgument("unexpected argument \"" + arg + "\"; flags start with --");
    }
    std::string body = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    std::string name = body, value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    auto it = flags.find(name);
    if (it == flags.end()) return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    if (!has_value) {
      if (it->second.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::InvalidArgument("--" + name + ": needs a value");
      }
    }
    Status s = it->second.set(&o, value);
    if (!s.ok()) return s;
  }
  return o;
}

std::string Usage() {
  std::ostringstream out;
  out << "Usage: x3ui-operator [flags]\n\nRuns a fleet of 3x-ui panels from VpnNode, VpnAssignment and VpnMigration "
         "resources.\n\nFlags:\n";
  Options defaults;
  for (const auto& [name, flag] : Flags()) {
    out << "  --" << name << (flag.is_bool ? "" : " value") << "\n      " << flag.help << "\n";
  }
  out << "\nThe DATABASE_URL environment variable is used when --database-url is not given.\n";
  return out.str();
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
