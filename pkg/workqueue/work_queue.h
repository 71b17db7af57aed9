// File: pkg/workqueue/work_queue.h
//
// WorkQueue with client-go / controller-runtime semantics (operator-conventions.md §1):
//  - a FIFO of keys plus `dirty` and `processing` sets: adding a key that is already waiting is
//    a no-op, and a key added while a worker holds it is queued again only when that worker
//    calls Done, so one key never runs on two workers at once;
//  - AddAfter delays an add; AddRateLimited delays by the rate limiter (per-item exponential
//    backoff and an overall bucket by default); Forget resets a key's backoff;
//  - ShutDown stops new adds and wakes idle workers once the queue is empty; ShutDownWithDrain
//    also waits until every key being processed is Done.
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_WORKQUEUE_WORK_QUEUE_H_
#define X3UI_PKG_WORKQUEUE_WORK_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "pkg/workqueue/rate_limiter.h"

namespace x3ui::workqueue {

class WorkQueue {
 public:
  // Takes ownership of `limiter`.
  WorkQueue(std::string name, std::unique_ptr<RateLimiter> limiter);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  const std::string& name() const { return name_; }

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks until a key is ready; nullopt once the queue is shut down and empty.
  // The caller must call Done(key) when finished with it.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  void ShutDown();
  // ShutDown, then wait (at most `timeout`) for keys in processing. True when they all finished.
  bool ShutDownWithDrain(std::chrono::milliseconds timeout);

  size_t Len() const;                 // keys waiting (not delayed, not processing)
  int64_t adds() const;               // keys accepted by Add (workqueue_adds_total)
  int64_t retries() const;            // AddRateLimited calls (workqueue_retries_total)

 private:
  void DelayLoop();

  const std::string name_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable std::mutex mu_;
  std::condition_variable cv_;        // queue non-empty, shutdown, or processing finished
  std::condition_variable delay_cv_;  // a new delayed item, or shutdown
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  std::multimap<std::chrono::steady_clock::time_point, std::string> delayed_;
  bool shutting_down_ = false;
  int64_t adds_ = 0;
  int64_t retries_ = 0;
  std::thread delay_thread_;
};

}  // namespace x3ui::workqueue

#endif  // X3UI_PKG_WORKQUEUE_WORK_QUEUE_H_
