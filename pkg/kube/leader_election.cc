#include "pkg/kube/leader_election.h"

#include <cstdio>
#include <thread>

namespace x3ui::kube {

std::string FormatMicroTime(TimePoint t) {
  std::string s = FormatRfc3339(t);  // ...SSZ
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  if (us < 0) us += 1000000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

Result<std::unique_ptr<LeaderElector>> LeaderElector::New(KubeClient* client, LeaderElectionConfig c,
                                                          const Clock* clock) {
  if (c.ns.empty() || c.name.empty() || c.identity.empty()) {
    return Status::InvalidArgument("leader election needs a lease namespace, name and identity");
  }
  if (c.renew_deadline >= c.lease_duration) {
    return Status::InvalidArgument("leader election: the renew deadline must be shorter than the lease duration");
  }
  if (c.renew_deadline.count() * 10 <= c.retry_period.count() * 12) {
    return Status::InvalidArgument("leader election: the renew deadline must exceed 1.2 × the retry period");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, std::move(c), clock));
}

LeaderElector::LeaderElector(KubeClient* client, LeaderElectionConfig config, const Clock* clock)
    : client_(client), config_(std::move(config)), clock_(clock) {}

bool LeaderElector::Failed(const Status& s) {
  if (config_.on_error && s.code() != Status::Code::kConflict) config_.on_error(s);  // a lost race is no error
  return false;
}

bool LeaderElector::TryAcquireOrRenew() {
  TimePoint now = clock_->Now();
  std::string now_str = FormatMicroTime(now);
  int64_t duration_s = std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count();
  Result<Json> lease = client_->Get(kLeases, config_.ns, config_.name);
  if (!lease.ok()) {
    if (lease.status().code() != Status::Code::kNotFound) return Failed(lease.status());
    Json fresh = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.name}, {"namespace", config_.ns}}},
                  {"spec",
                   {{"holderIdentity", config_.identity},
                    {"leaseDurationSeconds", duration_s},
                    {"acquireTime", now_str},
                    {"renewTime", now_str},
                    {"leaseTransitions", 0}}}};
    Result<Json> created = client_->Create(kLeases, config_.ns, fresh);
    if (!created.ok()) return Failed(created.status());
    observed_spec_ = (*created)["spec"];
    observed_time_ = now;
    return true;
  }
  Json spec = (*lease).value("spec", Json::object());
  if (spec != observed_spec_) {  // the record changed: restart the expiry clock
    observed_spec_ = spec;
    observed_time_ = now;
  }
  std::string holder = spec.value("holderIdentity", "");
  bool mine = holder == config_.identity;
  if (!holder.empty() && !mine) {
    auto held_for = std::chrono::seconds(spec.value("leaseDurationSeconds", duration_s));
    if (observed_time_ + held_for > now) return false;  // someone else holds a valid lease
  }
  Json next = *lease;
  next["spec"]["holderIdentity"] = config_.identity;
  next["spec"]["leaseDurationSeconds"] = duration_s;
  next["spec"]["renewTime"] = now_str;
  if (!mine) {
    next["spec"]["acquireTime"] = now_str;
    next["spec"]["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  Result<Json> updated = client_->Update(kLeases, config_.ns, next);  // resourceVersion: one winner
  if (!updated.ok()) return Failed(updated.status());
  observed_spec_ = (*updated)["spec"];
  observed_time_ = now;
  return true;
}

void LeaderElector::Release() {
  Result<Json> lease = client_->Get(kLeases, config_.ns, config_.name);
  if (!lease.ok() || (*lease)["spec"].value("holderIdentity", "") != config_.identity) return;
  Json next = *lease;
  std::string now = FormatMicroTime(clock_->Now());
  next["spec"]["holderIdentity"] = "";
  next["spec"]["leaseDurationSeconds"] = 1;
  next["spec"]["renewTime"] = now;
  next["spec"]["acquireTime"] = now;
  (void)client_->Update(kLeases, config_.ns, next);
}

void LeaderElector::SleepUnlessStopped(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end && !stop->load()) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(20), d));
  }
}

void LeaderElector::Run(const std::function<void()>& on_started, const std::function<void()>& on_stopped,
                        const std::atomic<bool>* stop) {
  while (!stop->load() && !TryAcquireOrRenew()) SleepUnlessStopped(config_.retry_period, stop);
  if (stop->load()) return;
  leading_ = true;
  if (on_started) on_started();
  auto last_renew = std::chrono::steady_clock::now();
  while (!stop->load()) {
    SleepUnlessStopped(config_.retry_period, stop);
    if (stop->load()) break;
    if (TryAcquireOrRenew()) {
      last_renew = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_renew > config_.renew_deadline) {
      leading_ = false;  // lost: the caller must stop reconciling
      if (on_stopped) on_stopped();
      return;
    }
  }
  Release();
  leading_ = false;
  if (on_stopped) on_stopped();
}

}  // namespace x3ui::kube
