// File: pkg/x3ui/add_batcher.h
//
// AddBatcher: puts new users' clients on their panels in as few addClient calls as possible,
// without a reconcile worker waiting for each. A reconciler submits a user's clients and moves
// on; per panel, one flusher waits until submissions pause for `linger` (or the oldest has waited
// `max_wait`), then sends each inbound's clients in calls of at most kMaxClientsPerAdd through
// PanelSession::AddClientGroups (one refused user isolated by halving, one re-read verifying
// all), keeps each user's outcome and calls `done(key)` so that its reconciler runs again.
//
// When thousands of users arrive at once (an operator starting on a full cluster, a restore) a
// panel gets a handful of calls instead of one per user, at the price of up to `linger` added to
// a single user's placement.
//
// A panel's flusher thread and its hold on the panel's session go once no user was submitted
// for `idle` (a deleted node's logged-in session is not kept alive by the batcher, nor a thread
// per panel ever seen); the next submission starts a new one. Outcomes not taken by then go too
// (their users were deleted, or will be submitted again).
//
// Thread-safety: all methods may be called concurrently. `done` runs on a flusher thread.
#ifndef X3UI_PKG_X3UI_ADD_BATCHER_H_
#define X3UI_PKG_X3UI_ADD_BATCHER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pkg/x3ui/session_pool.h"

namespace x3ui::panel {

class AddBatcher {
 public:
  struct Options {
    std::chrono::milliseconds linger{200};     // send once no user has arrived for this long
    std::chrono::milliseconds max_wait{2000};  // ... or once the first waiting user waited this long
    std::chrono::milliseconds idle{300000};    // a panel's flusher and session go after this long unused
  };
  struct ClientAdd {
    Inbound inbound;
    Client client;
  };

  // What one flush of a panel did: users whose clients it kept, users it could not place, and
  // the addClient calls it took (a refused batch is halved, so this may exceed the minimum).
  struct FlushReport {
    std::string session_key;
    size_t added = 0;
    size_t failed = 0;
    size_t calls = 0;
  };

  // `on_flush` (optional) is told of every flush, after `done` ran for its users.
  AddBatcher(Options options, std::function<void(const std::string& key)> done,
             std::function<void(const FlushReport&)> on_flush = nullptr);
  // Stops the flushers; users still waiting are dropped (their reconcilers submit them again).
  ~AddBatcher();
  AddBatcher(const AddBatcher&) = delete;
  AddBatcher& operator=(const AddBatcher&) = delete;

  // Queues the clients of user `key` for the panel of `session`, and returns at once. A user
  // already waiting is replaced by the new submission.
  void Submit(std::shared_ptr<PanelSession> session, const std::string& key, std::vector<ClientAdd> adds);
  // True from Submit until the user's outcome is known.
  bool Pending(const std::string& key) const;
  // The outcome of the user's last submission (OK, or why the panel did not keep its clients),
  // handed out once; nullopt when there is none.
  std::optional<Status> TakeResult(const std::string& key);
  // Panels with a flusher now.
  size_t Lanes() const;

 private:
  struct Waiting {
    std::string key;
    std::vector<ClientAdd> adds;
  };
  struct Lane {  // one panel
    std::string key;
    std::shared_ptr<PanelSession> session;
    std::vector<Waiting> waiting;
    std::chrono::steady_clock::time_point first, last;
    std::chrono::steady_clock::time_point used;  // the last submission or flush
    std::condition_variable cv;
    std::thread thread;
  };
  struct Outcome {
    Status status;
    std::string lane;  // the session key it came from
  };
  void Run(Lane* lane);
  // Moves `lane` (idle, nothing waiting) from lanes_ to retired_ and forgets its outcomes; its
  // thread returns right after. Returns the lane's session for the caller to drop without mu_.
  std::shared_ptr<PanelSession> Retire(Lane* lane);  // REQUIRES: mu_
  void JoinRetired();                                // REQUIRES: mu_
  // Sends `batch` to the panel and returns each user's outcome. Runs without mu_.
  // `*calls` counts the AddClientGroups calls.
  static std::map<std::string, Status> Flush(PanelSession& session, const std::vector<Waiting>& batch, size_t* calls);

  const Options options_;
  const std::function<void(const std::string&)> done_;
  const std::function<void(const FlushReport&)> on_flush_;
  mutable std::mutex mu_;  // guards everything below and every Lane's fields but its thread
  bool stopping_ = false;
  std::map<std::string, std::unique_ptr<Lane>> lanes_;  // by session key
  std::vector<std::unique_ptr<Lane>> retired_;          // idle lanes whose threads are ending
  std::map<std::string, std::string> pending_;          // user key -> lane key
  std::map<std::string, Outcome> results_;
};

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_ADD_BATCHER_H_
