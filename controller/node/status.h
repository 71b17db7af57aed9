// File: controller/node/status.h
//
// A VpnNode's conditions as one probe leaves them, as pure functions: Reachable (the panel
// answers), Schedulable (cordon and drain), Ready (the panel answers, accepts the credentials and
// has every inbound the spec names), InSync (the drift diff), InsecureTransport (plain http:// or
// unverified TLS). The Ready condition names what to fix: the Secret whose credentials the panel
// refuses, the inbounds it lacks.
//
// Thread-safety: pure.
#ifndef X3UI_CONTROLLER_NODE_STATUS_H_
#define X3UI_CONTROLLER_NODE_STATUS_H_

#include <string>
#include <vector>

#include "controller/owned_clients.h"
#include "pkg/api/types.h"
#include "pkg/common/status.h"
#include "pkg/health/node_health.h"
#include "pkg/x3ui/model.h"

namespace x3ui::controller {

// What one probe found.
struct ProbeFacts {
  bool reachable = false;
  Status failure;                    // why not reachable
  health::Phase phase = health::Phase::kPending;  // the health state machine's phase after it
  std::vector<std::string> missing;  // inbounds the spec names that the panel lacks
};

api::Condition ReachableCondition(const ProbeFacts& f, int64_t gen);
api::Condition SchedulableCondition(const api::VpnNodeSpec& spec, int64_t gen);
api::Condition ReadyCondition(const ProbeFacts& f, const api::VpnNodeSpec& spec, int64_t gen);
// InSync from the drift counts: False (Drift) while owned clients are missing, stale or extra.
api::Condition InSyncCondition(const api::DriftStatus& c, int64_t gen);
// InsecureTransport: True (PlainHttp, TlsVerifyDisabled) while the panel is reached over plain
// http:// or TLS without certificate verification; False (TlsVerified) otherwise.
api::Condition InsecureTransportCondition(const api::PanelSpec& panel, int64_t gen);
// True when `next` has InsecureTransport=True and `was` did not have it True for the same reason:
// the transition that a Warning Event announces, once.
bool InsecureTransportBegan(const std::vector<api::Condition>& was, const std::vector<api::Condition>& next);
// A condition of unknown status (nothing was probed).
api::Condition UnknownCondition(const char* type, const std::string& reason, const std::string& message, int64_t gen);

// The panel inbounds that spec.inbounds names but the panel lacks, as "name (id 1)".
std::vector<std::string> MissingInbounds(const api::VpnNodeSpec& spec, const std::vector<panel::Inbound>& on_panel);

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_NODE_STATUS_H_
