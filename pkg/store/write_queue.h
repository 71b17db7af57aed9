// File: pkg/store/write_queue.h
//
// LedgerWriteQueue: applies ledger writes in the order they were enqueued, on a background
// thread, so that reconcilers never block on the database and keep working through an outage.
//
//  - While the database is unreachable (Unavailable / DeadlineExceeded) the head write is
//    retried with exponential backoff and nothing behind it overtakes it; Healthy() is false
//    (for /readyz and a condition) and Pending() says how much is waiting.
//  - Adjacent placements are merged into one RecordPlacements call (one round trip), which is
//    what makes a cold start of thousands of users cheap.
//  - A write the database refuses for good (Conflict, InvalidArgument, ...) is reported to the
//    error handler and dropped; a merged batch that is refused is retried one write at a time so
//    that only the bad write is dropped.
//  - The queue holds at most `max_pending` writes. At the cap a new write is dropped, never the
//    producer blocked (reconcilers keep working through a database outage): each drop is counted
//    (Dropped(), `on_dropped`) and the first of each episode at the cap is reported to the error
//    handler. What is lost is recovered by the ledger audit, which rewrites the placements from
//    the assignments' status; moves whose journal was dropped are cleaned up by the drift diff.
//  - Close (and the destructor) drains what is queued for a bounded time, then reports to the
//    error handler how many writes were left unapplied.
// Writes are idempotent (ledger_store.h), so retrying one whose outcome is unknown is safe.
//
// Thread-safety: all public methods are safe to call concurrently. The error handler runs on the
// queue's thread, or on the producer's for a dropped write, or on Close's caller's.
#ifndef X3UI_PKG_STORE_WRITE_QUEUE_H_
#define X3UI_PKG_STORE_WRITE_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "pkg/store/ledger_store.h"

namespace x3ui::store {

class LedgerWriteQueue {
 public:
  struct Options {
    std::chrono::milliseconds initial_backoff{100};
    std::chrono::milliseconds max_backoff{10000};
    size_t max_batch = 5000;  // placements per RecordPlacements call
    // Called on the queue's thread after each round trip to the database with its outcome
    // (for the x3ui_ledger_round_trips_total metric); optional.
    std::function<void(const Status&)> on_round_trip;
    // Writes held at most (queued and in flight); a write enqueued at the cap is dropped.
    size_t max_pending = 100000;
    // Called on the producer's thread for each write dropped at the cap; optional.
    std::function<void()> on_dropped;
    // How long the destructor drains (Close takes its own bound).
    std::chrono::milliseconds close_drain{10000};
  };
  using Write = std::function<Status(LedgerStore&)>;
  using ErrorHandler = std::function<void(const std::string& what, const Status& error)>;

  // `store` is borrowed and must outlive the queue. Starts the worker thread.
  LedgerWriteQueue(LedgerStore* store, Options options, ErrorHandler on_error);
  // Close(options.close_drain) unless closed already.
  ~LedgerWriteQueue();
  LedgerWriteQueue(const LedgerWriteQueue&) = delete;
  LedgerWriteQueue& operator=(const LedgerWriteQueue&) = delete;

  // Queues a placement; merged with adjacent placements into one round trip.
  void RecordPlacement(PlacementRecord placement);
  // Queues any other write; `what` names it in errors.
  void Enqueue(std::string what, Write write);

  // False while the write at the head is failing because the database is unreachable.
  bool Healthy() const;
  // The last failure (OK when the last attempt succeeded).
  Status LastError() const;
  // Writes not yet applied, including the one in progress.
  size_t Pending() const;
  // Blocks until every write enqueued so far is applied or dropped, or `timeout` passes.
  // Returns true when the queue is empty.
  bool Drain(std::chrono::milliseconds timeout);
  // Drains for `timeout` at most, then stops the worker; writes left unapplied are reported to
  // the error handler (one call naming how many). Returns true when none was left. Writes
  // enqueued afterwards are not applied. Idempotent.
  bool Close(std::chrono::milliseconds timeout);
  // Writes dropped at the cap so far.
  size_t Dropped() const;

 private:
  struct Item {
    std::string what;
    Write write;                               // empty for a placement
    std::optional<PlacementRecord> placement;  // set for a placement
  };

  void Run();
  // Takes the run of writes to attempt next from the head (several placements, or one write).
  std::vector<Item> NextBatch();  // REQUIRES: mu_ held, !items_.empty()
  Status Apply(const std::vector<Item>& batch);
  void Push(Item item);

  LedgerStore* store_;
  const Options options_;
  const ErrorHandler on_error_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // signalled on new items, stop, and completion
  std::deque<Item> items_;           // guarded by mu_
  size_t in_flight_ = 0;             // guarded by mu_: items taken but not finished
  bool healthy_ = true;              // guarded by mu_
  Status last_error_;                // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  bool at_cap_ = false;              // guarded by mu_: dropping since the last report
  size_t dropped_ = 0;               // guarded by mu_
  std::thread worker_;
};

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_WRITE_QUEUE_H_
