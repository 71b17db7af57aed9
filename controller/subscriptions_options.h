// File: controller/subscriptions_options.h
//
// The flags of `x3ui-operator subscriptions`, the read-only subscription server: parsed by the
// same flag table as the operator's (controller/flag_table.h), so the spellings and the errors
// are the operator's. Parsing never exits the process.
//
// Thread-safety: plain value and pure functions.
#ifndef X3UI_CONTROLLER_SUBSCRIPTIONS_OPTIONS_H_
#define X3UI_CONTROLLER_SUBSCRIPTIONS_OPTIONS_H_

#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/subscription/server_config.h"

namespace x3ui::controller {

struct SubscriptionsOptions {
  std::string kubeconfig;  // empty: in-cluster configuration
  std::string log_level = "info";
  std::string log_format = "text";
  subscription::ServerConfig server;
  bool show_help = false;
};

// `args` are the arguments after "subscriptions".
Result<SubscriptionsOptions> ParseSubscriptionsOptions(const std::vector<std::string>& args);
// The text --help prints.
std::string SubscriptionsUsage();

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_SUBSCRIPTIONS_OPTIONS_H_
