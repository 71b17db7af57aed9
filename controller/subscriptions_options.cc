#include "controller/subscriptions_options.h"

#include "controller/flag_table.h"
#include "controller/flag_values.h"
#include "controller/panel_host_policy.h"

namespace x3ui::controller {
namespace {

using O = SubscriptionsOptions;

// CIDR blocks and addresses only: a proxy is known by the address it connects from.
Status ParseTrustedProxies(const std::string& v, subscription::TrustedProxy* out) {
  Result<std::vector<HostPattern>> patterns = ParseHostPatterns(v);
  if (!patterns.ok()) return Status::InvalidArgument("--trusted-proxies: " + patterns.status().message());
  for (const HostPattern& p : *patterns) {
    if (!p.is_cidr()) return Status::InvalidArgument("--trusted-proxies: \"" + p.text + "\" is not an IP address or CIDR block");
  }
  if (patterns->empty()) {
    *out = nullptr;
    return Status::Ok();
  }
  *out = [patterns = std::move(patterns).value()](const std::string& ip) {
    for (const HostPattern& p : patterns) {
      if (HostPatternMatches(p, ip, {})) return true;
    }
    return false;
  };
  return Status::Ok();
}

const FlagTable<O>& Flags() {
  static const FlagTable<O> flags = {
      {"kubeconfig", {"Path to a kubeconfig file. Empty: in-cluster configuration.", false,
                      [](O* o, const std::string& v) { o->kubeconfig = v; return Status::Ok(); }}},
      {"namespaces", {"Comma-separated namespaces whose users are served. Empty: every namespace (needs a "
                      "ClusterRole).", false,
                      [](O* o, const std::string& v) { o->server.namespaces = SplitCommaList(v); return Status::Ok(); }}},
      {"listen-address", {"Address of /sub/<token>, /healthz and /readyz (plain HTTP unless --tls-cert-file is set).", false,
                          [](O* o, const std::string& v) { o->server.listen_address = v; return Status::Ok(); }}},
      {"tls-cert-file", {"PEM certificate chain to serve TLS with on --listen-address (a mounted kubernetes.io/tls "
                         "Secret's tls.crt; renewals are picked up without a restart). Empty: plain HTTP.", false,
                         [](O* o, const std::string& v) { o->server.tls_cert_file = v; return Status::Ok(); }}},
      {"tls-key-file", {"PEM private key of --tls-cert-file (the Secret's tls.key).", false,
                        [](O* o, const std::string& v) { o->server.tls_key_file = v; return Status::Ok(); }}},
      {"metrics-bind-address", {"Address of /metrics (plain HTTP, no authentication; loopback by default); \"0\" "
                                "disables it.", false,
                                [](O* o, const std::string& v) { o->server.metrics_bind_address = v; return Status::Ok(); }}},
      {"rate-per-second", {"Requests per second allowed per client IP (429 with Retry-After beyond the burst).", false,
                           [](O* o, const std::string& v) { return ParsePositiveFlag("rate-per-second", v, &o->server.rate_per_second); }}},
      {"rate-burst", {"Requests a client IP may send at once above --rate-per-second (at least 1).", false,
                      [](O* o, const std::string& v) {
                        if (Status s = ParsePositiveFlag("rate-burst", v, &o->server.rate_burst); !s.ok()) return s;
                        return o->server.rate_burst >= 1 ? Status::Ok()
                                                         : Status::InvalidArgument("--rate-burst: must be at least 1, got \"" + v + "\"");
                      }}},
      {"update-interval-hours", {"How often apps are told to poll (profile-update-interval), in hours.", false,
                                 [](O* o, const std::string& v) {
                                   int64_t h = 0;
                                   if (Status s = ParseIntFlag("update-interval-hours", v, 1, 24 * 365, &h); !s.ok()) return s;
                                   o->server.render.update_interval_hours = static_cast<int>(h);
                                   return Status::Ok();
                                 }}},
      {"trusted-proxies", {"Comma-separated IP addresses or CIDR blocks of the proxies in front (the Ingress's pods): "
                           "from them X-Forwarded-For names the client the rate limit is kept for, read from its "
                           "right end. Empty: the connection's address is the client.", false,
                           [](O* o, const std::string& v) { return ParseTrustedProxies(v, &o->server.is_trusted_proxy); }}},
      {"log-level", {"trace, debug, info, warn or error.", false,
                     [](O* o, const std::string& v) {
                       return ParseOneOfFlag("log-level", v, {"trace", "debug", "info", "warn", "error"}, &o->log_level);
                     }}},
      {"log-format", {"text or json.", false,
                      [](O* o, const std::string& v) { return ParseOneOfFlag("log-format", v, {"text", "json"}, &o->log_format); }}},
      {"help", {"Print this help and exit.", true,
                [](O* o, const std::string& v) { return ParseBoolFlag("help", v, &o->show_help); }}},
  };
  return flags;
}

}  // namespace

Result<SubscriptionsOptions> ParseSubscriptionsOptions(const std::vector<std::string>& args) {
  SubscriptionsOptions o;
  if (Status s = ParseFlags(Flags(), args, 0, &o); !s.ok()) return s;
  if (o.server.tls_cert_file.empty() != o.server.tls_key_file.empty()) {
    return Status::InvalidArgument("--tls-cert-file and --tls-key-file: set both (TLS) or neither (plain HTTP)");
  }
  return o;
}

std::string SubscriptionsUsage() {
  return "Usage: x3ui-operator subscriptions [flags]\n\nServes each user's subscription (GET /sub/<token>[/<format>]) "
         "from the VpnAssignments, VpnNodes and credentials Secrets it watches; read-only, no database, no leader "
         "election.\n\nFlags:\n" + FlagHelp(Flags());
}

}  // namespace x3ui::controller
