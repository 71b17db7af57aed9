// File: pkg/kube/leader_election.h
//
// LeaderElector: leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm
// and defaults (lease 15 s, renew deadline 10 s, retry 2 s). A candidate takes the lease when it
// is absent, released (no holder), or not renewed for leaseDuration as measured by the local
// clock since the record last changed (not by the lease's renewTime, which avoids clock skew).
// Updates carry the resourceVersion, so of two candidates only one wins. The leader renews every
// retry period; failing to renew for the renew deadline loses leadership. On shutdown the
// leader releases the lease (no holder, leaseDurationSeconds 1) so a successor need not wait.
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
};

class LeaderElector {
 public:
  // `client` and `clock` are borrowed. InvalidArgument unless renew_deadline < lease_duration
  // and renew_deadline > 1.2 × retry_period (client-go's rules), or when a name is missing.
  static Result<std::unique_ptr<LeaderElector>> New(KubeClient* client, LeaderElectionConfig config,
                                                    const Clock* clock);

  // Blocks. Waits for the lease, calls `on_started`, renews it; returns after calling
  // `on_stopped` when leadership is lost or when `*stop` becomes true (releasing the lease).
  // Returns without calling either if `*stop` becomes true before leading.
  void Run(const std::function<void()>& on_started, const std::function<void()>& on_stopped,
           const std::atomic<bool>* stop);

  bool IsLeader() const { return leading_.load(); }
  const LeaderElectionConfig& config() const { return config_; }

  // One attempt to take or renew the lease; true when this candidate holds it afterwards.
  bool TryAcquireOrRenew();
  // Gives the lease up if this candidate holds it.
  void Release();

 private:
  LeaderElector(KubeClient* client, LeaderElectionConfig config, const Clock* clock);
  void SleepUnlessStopped(std::chrono::milliseconds d, const std::atomic<bool>* stop);
  bool Failed(const Status& s);  // reports `s` (unless a lost race) and returns false

  KubeClient* client_;
  const LeaderElectionConfig config_;
  const Clock* clock_;
  std::atomic<bool> leading_{false};
  Json observed_spec_;      // the lease spec as last seen
  TimePoint observed_time_;  // when it last changed, by our clock
};

// "2026-11-26T01:02:03.123456Z": metav1.MicroTime, as leases carry it.
std::string FormatMicroTime(TimePoint t);

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_LEADER_ELECTION_H_
