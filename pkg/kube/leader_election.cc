#include "pkg/kube/leader_election.h"

#include <cstdio>
#include <thread>

#include "pkg/kube/request_deadline.h"

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
    : client_(client), config_(std::move(config)), clock_(clock), fence_(config_.fence ? config_.fence : &own_fence_) {}

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

void LeaderElector::SleepUntil(std::chrono::milliseconds d, const std::function<bool()>& wake) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end && !wake()) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(20), d));
  }
}

bool LeaderElector::Renew(const std::atomic<bool>& lead_done) {
  auto done = [&lead_done] { return lead_done.load(); };
  while (!done()) {
    SleepUntil(config_.retry_period, done);
    if (done()) break;
    const auto attempt = std::chrono::steady_clock::now();
    const Fence::SteadyTime held_until = fence_->open_until();
    if (attempt >= held_until) return false;  // paused or starved past the deadline
    bool renewed;
    {
      ScopedRequestDeadline bound(held_until);
      renewed = TryAcquireOrRenew();
    }
    if (renewed) {
      fence_->OpenUntil(attempt + config_.renew_deadline);
      continue;
    }
    if (observed_spec_.value("holderIdentity", "") != config_.identity) return false;  // taken over
    if (std::chrono::steady_clock::now() >= held_until) return false;
  }
  return true;
}

bool LeaderElector::Run(const std::function<void()>& lead, const std::function<void()>& on_lost,
                        const std::atomic<bool>* stop) {
  auto stopped = [stop] { return stop->load(); };
  std::chrono::steady_clock::time_point attempt;
  while (true) {
    if (stopped()) return true;
    attempt = std::chrono::steady_clock::now();
    bool acquired;
    {
      ScopedRequestDeadline bound(attempt + config_.renew_deadline);
      acquired = TryAcquireOrRenew();
    }
    if (acquired) break;
    SleepUntil(config_.retry_period, stopped);
  }
  fence_->OpenUntil(attempt + config_.renew_deadline);
  std::atomic<bool> lead_done{false};
  std::thread leader([&] {
    if (lead) lead();
    lead_done = true;
  });
  const bool held = Renew(lead_done);
  if (!held) {
    fence_->Shut();
    if (on_lost) on_lost();
    leader.join();
    return false;
  }
  leader.join();
  fence_->Shut();  // before the lease is given up: nothing acts once a successor may
  ScopedRequestDeadline bound(std::chrono::steady_clock::now() + config_.renew_deadline);
  Release();
  return true;
}

}  // namespace x3ui::kube
