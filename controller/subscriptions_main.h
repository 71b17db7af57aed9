// File: controller/subscriptions_main.h
//
// `x3ui-operator subscriptions [flags]`: the read-only subscription server (pkg/subscription).
// Flags: --kubeconfig, --namespaces (comma-separated; empty: all), --listen-address (:8090),
// --metrics-bind-address (127.0.0.1:8082; "0": off), --rate-per-second (1), --rate-burst (20),
// --update-interval-hours (12), --log-level, --log-format. No leader election: every replica
// serves. Blocks until SIGTERM/SIGINT.
//
// Thread-safety: called once, from main.
#ifndef X3UI_CONTROLLER_SUBSCRIPTIONS_MAIN_H_
#define X3UI_CONTROLLER_SUBSCRIPTIONS_MAIN_H_

#include <string>
#include <vector>

namespace x3ui::controller {

// `args` are the arguments after "subscriptions". The process's exit code.
int RunSubscriptions(const std::vector<std::string>& args);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_SUBSCRIPTIONS_MAIN_H_
