// File: controller/dashboard/change_feed.h
//
// ChangeFeed: a version of the informer caches the console reads, bumped by their handlers on
// every add, update and delete, and a wait for the next bump. The console's event stream sends
// the version as each event's id; a browser reconnecting with the version it holds waits here
// for a change instead of being sent the same snapshot again. A version is "<epoch>-<count>", the
// epoch random per process, so an id from an earlier run of the operator never matches.
//
// Thread-safety: every method may be called from any thread. Bump only takes a lock and notifies
// (it runs on the informers' threads, which must not block).
#ifndef X3UI_CONTROLLER_DASHBOARD_CHANGE_FEED_H_
#define X3UI_CONTROLLER_DASHBOARD_CHANGE_FEED_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <string>

#include "pkg/common/mutex.h"

namespace x3ui::controller::dashboard {

class ChangeFeed {
 public:
  ChangeFeed();

  void Bump();
  std::string Version() const;
  // Returns the current version once it differs from `seen`, or after `timeout`, or at once
  // after Close.
  std::string WaitPast(const std::string& seen, std::chrono::milliseconds timeout) const;
  // Wakes every waiter for good (the console is stopping: its handlers must return).
  void Close();

 private:
  std::string VersionLocked() const REQUIRES(mu_) { return epoch_ + "-" + std::to_string(count_); }

  const std::string epoch_;
  mutable Mutex mu_;
  mutable std::condition_variable_any changed_;  // waits on mu_
  uint64_t count_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace x3ui::controller::dashboard

#endif  // X3UI_CONTROLLER_DASHBOARD_CHANGE_FEED_H_
