#include "controller/subscriptions_options.h"

#include "controller/flag_table.h"
#include "controller/flag_values.h"

namespace x3ui::controller {
namespace {

using O = SubscriptionsOptions;

const FlagTable<O>& Flags() {
  static const FlagTable<O> flags = {
      {"kubeconfig", {"Path to a kubeconfig file. Empty: in-cluster configuration.", false,
                      [](O* o, const std::string& v) { o->kubeconfig = v; return Status::Ok(); }}},
      {"namespaces", {"Comma-separated namespaces whose users are served. Empty: every namespace (needs a "
                      "ClusterRole).", false,
                      [](O* o, const std::string& v) { o->server.namespaces = SplitCommaList(v); return Status::Ok(); }}},
      {"listen-address", {"Address of /sub/<token>, /healthz and /readyz (plain HTTP: terminate TLS in front).", false,
                          [](O* o, const std::string& v) { o->server.listen_address = v; return Status::Ok(); }}},
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
  return o;
}

std::string SubscriptionsUsage() {
  return "Usage: x3ui-operator subscriptions [flags]\n\nServes each user's subscription (GET /sub/<token>[/<format>]) "
         "from the VpnAssignments, VpnNodes and credentials Secrets it watches; read-only, no database, no leader "
         "election.\n\nFlags:\n" + FlagHelp(Flags());
}

}  // namespace x3ui::controller
