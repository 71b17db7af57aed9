#include "controller/assignment/placement_book.h"

#include "pkg/kube/object_key.h"

namespace x3ui::controller {

void PlacementBook::Observe(const std::string& key, const std::string& node_key) {
  MutexLock l(mu_);
  placed_.Set(key, node_key);
}

int64_t PlacementBook::UsersOn(const std::string& node_key) const {
  MutexLock l(mu_);
  return placed_.UsersOn(node_key);
}

std::vector<std::string> PlacementBook::PlacedOn(const std::string& node_key) const {
  MutexLock l(mu_);
  return placed_.NamesOn(node_key);
}

bool PlacementBook::Forget(const std::string& key) {
  MutexLock l(mu_);
  placed_.Erase(key);
  requests_.erase(key);
  new_choices_.erase(key);
  return in_flight_.erase(key) > 0;
}

PlacementBook::Placed PlacementBook::Place(const std::string& ns, const std::string& key, const api::VpnAssignment& a,
                                           std::vector<balancer::NodeView> views,
                                           const balancer::PlacementPolicy& policy,
                                           const std::function<bool()>& take_slot) {
  MutexLock l(mu_);
  for (auto& v : views) v.users = placed_.UsersOn(kube::ObjectKey{ns, v.name}.String());
  auto chosen = a.status.node_name.empty() ? new_choices_.find(key) : new_choices_.end();
  const NewChoice* choice = chosen == new_choices_.end() ? nullptr : &chosen->second;
  MoveRequest* requested = PendingRequestLocked(key, a);
  PlacementInput in{key, &a, std::move(views), choice,
                    requested ? std::optional<std::string>(requested->target) : std::nullopt};
  Placed out{DecidePlacement(policy, in), false, choice ? choice->secret : kube::Json()};
  if (requested && !out.decision.request_failure.empty()) {
    requested->state = MoveRequest::State::kFailed;
    requested->message = out.decision.request_failure;
  }
  if (out.decision.kind == PlacementDecision::Kind::kUnschedulable) return out;
  if (out.decision.needs_slot && !take_slot()) {
    out.waits_for_slot = true;
    return out;
  }
  placed_.Set(key, kube::ObjectKey{ns, out.decision.node}.String());
  return out;
}

void PlacementBook::Abandon(const std::string& key, const std::string& source_key, const std::string& why) {
  MutexLock l(mu_);
  if (source_key.empty()) placed_.Erase(key);
  else placed_.Set(key, source_key);
  auto it = requests_.find(key);
  if (it != requests_.end() && it->second.state == MoveRequest::State::kPending && !why.empty()) {
    it->second.state = MoveRequest::State::kFailed;
    it->second.message = why;
  }
}

void PlacementBook::RequestMove(const std::string& key, const std::string& target) {
  MutexLock l(mu_);
  requests_[key] = MoveRequest{target, MoveRequest::State::kPending, ""};
}

std::optional<MoveRequest> PlacementBook::MoveRequestOf(const std::string& key) const {
  MutexLock l(mu_);
  auto it = requests_.find(key);
  if (it == requests_.end()) return std::nullopt;
  return it->second;
}

void PlacementBook::ClearMoveRequest(const std::string& key) {
  MutexLock l(mu_);
  requests_.erase(key);
}

void PlacementBook::FinishRequest(const std::string& key, const std::string& node) {
  MutexLock l(mu_);
  auto it = requests_.find(key);
  if (it != requests_.end() && it->second.state == MoveRequest::State::kPending && it->second.target == node) {
    it->second.state = MoveRequest::State::kDone;
  }
}

MoveRequest* PlacementBook::PendingRequestLocked(const std::string& key, const api::VpnAssignment& a) {
  auto it = requests_.find(key);
  if (it == requests_.end() || it->second.state != MoveRequest::State::kPending) return nullptr;
  if (!a.spec.node_name.empty() && a.spec.node_name != it->second.target) {
    it->second.state = MoveRequest::State::kFailed;
    it->second.message = "pinned to " + a.spec.node_name + " by spec.nodeName";
    return nullptr;
  }
  if (a.status.node_name == it->second.target) {
    it->second.state = MoveRequest::State::kDone;
    return nullptr;
  }
  return a.status.node_name.empty() ? nullptr : &it->second;
}

std::optional<MoveInFlight> PlacementBook::TakeMoveInFlight(const std::string& key) {
  MutexLock l(mu_);
  auto it = in_flight_.find(key);
  if (it == in_flight_.end()) return std::nullopt;
  MoveInFlight m = std::move(it->second);
  in_flight_.erase(it);
  return m;
}

void PlacementBook::KeepMoveInFlight(const std::string& key, MoveInFlight move) {
  MutexLock l(mu_);
  in_flight_[key] = std::move(move);
}

void PlacementBook::KeepNewChoice(const std::string& key, NewChoice choice) {
  MutexLock l(mu_);
  new_choices_[key] = std::move(choice);
}

void PlacementBook::DropNewChoice(const std::string& key) {
  MutexLock l(mu_);
  new_choices_.erase(key);
}

}  // namespace x3ui::controller
