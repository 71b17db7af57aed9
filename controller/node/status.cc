#include "controller/node/status.h"

#include "controller/transport_security.h"
#include "pkg/api/conditions.h"
#include "pkg/api/reasons.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::controller {
namespace {

constexpr auto Cond = api::MakeCondition;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

api::Condition UnknownCondition(const char* type, const std::string& reason, const std::string& message, int64_t gen) {
  return api::Condition{.type = type, .status = api::kConditionUnknown, .observed_generation = gen, .reason = reason,
                        .message = message};
}

api::Condition ReachableCondition(const ProbeFacts& f, int64_t gen) {
  if (f.reachable) return Cond(api::kReachable, true, api::kReasonProbeSucceeded, "the panel answers", gen);
  return Cond(api::kReachable, false, api::kReasonProbeFailed, f.failure.message(), gen);
}

api::Condition SchedulableCondition(const api::VpnNodeSpec& spec, int64_t gen) {
  if (spec.drain) return Cond(api::kSchedulable, false, api::kReasonDraining, "spec.drain is set: users are moved away", gen);
  if (spec.unschedulable) return Cond(api::kSchedulable, false, api::kReasonCordoned, "spec.unschedulable is set: no new users", gen);
  return Cond(api::kSchedulable, true, api::kReasonSchedulable, "the node takes new users", gen);
}

api::Condition ReadyCondition(const ProbeFacts& f, const api::VpnNodeSpec& spec, int64_t gen) {
  const bool login_refused = f.failure.reason() == panel::kReasonLoginFailed || f.failure.reason() == panel::kReasonLoginBackoff;
  if (!f.reachable && login_refused) {
    return Cond(api::kReady, false, api::kReasonLoginFailed,
                "the panel refuses the credentials of Secret " + spec.panel.credentials_secret_ref.name +
                    " (fix them there; logins are retried at most every 15 min so that the panel's limiter does "
                    "not lock the account): " + f.failure.message(),
                gen);
  }
  if (!f.missing.empty()) return Cond(api::kReady, false, api::kReasonInboundMissing, "the panel has no inbound " + Join(f.missing), gen);
  if (f.phase == health::Phase::kReady) return Cond(api::kReady, true, api::kReasonPanelReady, "the panel answers and has every inbound", gen);
  if (f.phase == health::Phase::kPending) {
    return Cond(api::kReady, false, api::kReasonNotYetReachable, "the panel has not answered yet: " + f.failure.message(), gen);
  }
  return Cond(api::kReady, false, health::PhaseName(f.phase), "probes fail: " + f.failure.message(), gen);
}

api::Condition InSyncCondition(const api::DriftStatus& c, int64_t gen) {
  if (c.missing + c.stale + c.extra == 0) return Cond(api::kInSync, true, api::kReasonInSync, "every owned client matches its assignment", gen);
  return Cond(api::kInSync, false, api::kReasonDrift,
              std::to_string(c.missing) + " missing, " + std::to_string(c.stale) + " stale, " + std::to_string(c.extra) +
                  " extra owned client(s): repairing",
              gen);
}

api::Condition InsecureTransportCondition(const api::PanelSpec& panel, int64_t gen) {
  if (std::optional<InsecureTransport> insecure = InsecureTransportOf(panel)) {
    return Cond(api::kInsecureTransport, true, insecure->reason, insecure->message, gen);
  }
  return Cond(api::kInsecureTransport, false, api::kReasonTlsVerified,
              "the panel is reached over TLS with its certificate verified", gen);
}

bool InsecureTransportBegan(const std::vector<api::Condition>& was, const std::vector<api::Condition>& next) {
  const api::Condition* after = api::FindCondition(next, api::kInsecureTransport);
  if (!after || after->status != api::kConditionTrue) return false;
  const api::Condition* before = api::FindCondition(was, api::kInsecureTransport);
  return !before || before->status != api::kConditionTrue || before->reason != after->reason;
}

std::vector<std::string> MissingInbounds(const api::VpnNodeSpec& spec, const std::vector<panel::Inbound>& on_panel) {
  std::vector<std::string> missing;
  for (const auto& want : spec.inbounds) {
    bool found = false;
    for (const auto& have : on_panel) {
      if ((want.id && have.id == *want.id) || (!want.tag.empty() && have.tag == want.tag)) found = true;
    }
    if (!found) missing.push_back(want.name + (want.id ? " (id " + std::to_string(*want.id) + ")" : " (tag " + want.tag + ")"));
  }
  return missing;
}

}  // namespace x3ui::controller
