// File: pkg/kube/leader_election.h
//
// LeaderElector: leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm
// and defaults (lease 15 s, renew deadline 10 s, retry 2 s). A candidate takes the lease when it
// is absent, released (no holder), or not renewed for leaseDuration as measured by the local
// clock since the record last changed (not by the lease's renewTime, which avoids clock skew).
// Updates carry the resourceVersion, so of two candidates only one wins. The leader renews every
// retry period.
//
// Leadership is held until the renew deadline after the start of the last successful renewal,
// on the steady clock, and not a moment longer: the fence (pkg/common/fence.h) shuts by itself
// at that instant, even while a renewal is still waiting for the API server or the process was
// paused, and IsLeader turns false with it. Every request of a renewal is bounded by the same
// deadline (ScopedRequestDeadline), not by the client's longer timeout. Another candidate takes
// over only leaseDuration after it last saw the record change, so the two never act at once
// (the margin is leaseDuration - renewDeadline, 5 s by default, for clock-rate drift).
//
// On shutdown the leader keeps renewing until its work has stopped, shuts the fence, and only
// then releases the lease (no holder, leaseDurationSeconds 1) so a successor need not wait.
//
// Thread-safety: IsLeader may be called from any thread; Run from one.
#ifndef X3UI_PKG_KUBE_LEADER_ELECTION_H_
#define X3UI_PKG_KUBE_LEADER_ELECTION_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "pkg/common/clock.h"
#include "pkg/common/fence.h"
#include "pkg/kube/client.h"

namespace x3ui::kube {

struct LeaderElectionConfig {
  std::string ns;
  std::string name;
  std::string identity;  // unique per candidate: hostname_uuid
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  // Called with each failed read or write of the Lease (not with a valid lease held by another
  // candidate, which is no error); optional. The caller decides how to log it.
  std::function<void(const Status&)> on_error;
  // Opened while this candidate leads (see above); optional, borrowed. Without it the elector
  // keeps one of its own, which IsLeader reads.
  Fence* fence = nullptr;
};

class LeaderElector {
 public:
  // `client` and `clock` are borrowed. InvalidArgument unless renew_deadline < lease_duration
  // and renew_deadline > 1.2 × retry_period (client-go's rules), or when a name is missing.
  static Result<std::unique_ptr<LeaderElector>> New(KubeClient* client, LeaderElectionConfig config,
                                                    const Clock* clock);

  // Blocks. Waits for the lease, then runs `lead` on a thread of its own while renewing it.
  //  - `*stop` set while leading: keeps renewing until `lead` has returned, shuts the fence,
  //    releases the lease and returns true.
  //  - Renewal failed for the renew deadline: the fence has shut at the deadline by itself;
  //    calls `on_lost` at once, waits for `lead` to return, and returns false.
  // `lead` must return soon after `*stop` is set or `on_lost` was called. Returns true without
  // calling either when `*stop` becomes true before leading.
  bool Run(const std::function<void()>& lead, const std::function<void()>& on_lost, const std::atomic<bool>* stop);

  // Leads and the renew deadline has not passed since the last successful renewal began.
  bool IsLeader() const { return fence_->IsOpen(); }
  const LeaderElectionConfig& config() const { return config_; }

  // One attempt to take or renew the lease; true when this candidate holds it afterwards. Its
  // requests are bounded by the caller's ScopedRequestDeadline, if any.
  bool TryAcquireOrRenew();
  // Gives the lease up if this candidate holds it.
  void Release();

 private:
  LeaderElector(KubeClient* client, LeaderElectionConfig config, const Clock* clock);
  // Sleeps for `d`, or less once `wake()` turns true.
  static void SleepUntil(std::chrono::milliseconds d, const std::function<bool()>& wake);
  // Renews every retry period until `lead_done` (true) or the renew deadline passes (false).
  bool Renew(const std::atomic<bool>& lead_done);
  bool Failed(const Status& s);  // reports `s` (unless a lost race) and returns false

  KubeClient* client_;
  const LeaderElectionConfig config_;
  const Clock* clock_;
  Fence own_fence_;
  Fence* const fence_;  // config_.fence, else &own_fence_
  Json observed_spec_;      // the lease spec as last seen; Run's thread only
  TimePoint observed_time_;  // when it last changed, by our clock
};

// "2026-11-26T01:02:03.123456Z": metav1.MicroTime, as leases carry it.
std::string FormatMicroTime(TimePoint t);

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_LEADER_ELECTION_H_
