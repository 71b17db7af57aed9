#include "pkg/store/write_queue.h"

#include <set>

namespace x3ui::store {
namespace {

bool Retryable(const Status& s) {
  return s.code() == Status::Code::kUnavailable || s.code() == Status::Code::kDeadlineExceeded;
}

}  // namespace

LedgerWriteQueue::LedgerWriteQueue(LedgerStore* store, Options options, ErrorHandler on_error)
    : store_(store), options_(options), on_error_(std::move(on_error)) {
  worker_ = std::thread([this] { Run(); });
}

LedgerWriteQueue::~LedgerWriteQueue() { (void)Close(options_.close_drain); }

bool LedgerWriteQueue::Close(std::chrono::milliseconds timeout) {
  (void)Drain(timeout);
  size_t left;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return items_.empty() && in_flight_ == 0;  // closed already
    stop_ = true;
    left = items_.size() + in_flight_;
  }
  cv_.notify_all();
  worker_.join();
  if (left > 0 && on_error_) {
    on_error_("closing the write queue",
              Status::DeadlineExceeded(std::to_string(left) + " ledger write(s) not applied before the shutdown deadline"));
  }
  return left == 0;
}

size_t LedgerWriteQueue::Dropped() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_;
}

void LedgerWriteQueue::Push(Item item) {
  bool first_drop = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (items_.size() + in_flight_ < options_.max_pending) {
      items_.push_back(std::move(item));
      cv_.notify_all();
      return;
    }
    ++dropped_;
    first_drop = !at_cap_;
    at_cap_ = true;
  }
  if (options_.on_dropped) options_.on_dropped();
  if (first_drop && on_error_) {
    on_error_(item.what, Status::ResourceExhausted("the ledger write queue is full (" + std::to_string(options_.max_pending) +
                                                   " writes waiting): new writes are dropped until it drains"));
  }
}

void LedgerWriteQueue::RecordPlacement(PlacementRecord placement) {
  std::string what = "placement of " + placement.namespace_ + "/" + placement.assignment + " on " + placement.node;
  Push(Item{std::move(what), nullptr, std::move(placement)});
}

void LedgerWriteQueue::Enqueue(std::string what, Write write) { Push(Item{std::move(what), std::move(write), {}}); }

bool LedgerWriteQueue::Healthy() const {
  std::lock_guard<std::mutex> l(mu_);
  return healthy_;
}

Status LedgerWriteQueue::LastError() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_error_;
}

size_t LedgerWriteQueue::Pending() const {
  std::lock_guard<std::mutex> l(mu_);
  return items_.size() + in_flight_;
}

bool LedgerWriteQueue::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, timeout, [this] { return stop_ || (items_.empty() && in_flight_ == 0); });
  return items_.empty() && in_flight_ == 0;
}

std::vector<LedgerWriteQueue::Item> LedgerWriteQueue::NextBatch() {
  std::vector<Item> batch;
  if (!items_.front().placement) {
    batch.push_back(std::move(items_.front()));
    items_.pop_front();
    return batch;
  }
  // A run of placements, stopping before a second placement of the same user (order matters).
  std::set<std::pair<std::string, std::string>> users;
  while (!items_.empty() && items_.front().placement && batch.size() < options_.max_batch) {
    const PlacementRecord& p = *items_.front().placement;
    if (!users.insert({p.namespace_, p.assignment}).second) break;
    batch.push_back(std::move(items_.front()));
    items_.pop_front();
  }
  return batch;
}

Status LedgerWriteQueue::Apply(const std::vector<Item>& batch) {
  Status s = Status::Ok();
  if (!batch.front().placement) {
    s = batch.front().write(*store_);
  } else {
    std::vector<PlacementRecord> records;
    records.reserve(batch.size());
    for (const auto& i : batch) records.push_back(*i.placement);
    s = store_->RecordPlacements(records);
  }
  if (options_.on_round_trip) options_.on_round_trip(s);
  return s;
}

void LedgerWriteQueue::Run() {
  std::unique_lock<std::mutex> l(mu_);
  auto backoff = options_.initial_backoff;
  while (true) {
    cv_.wait(l, [this] { return stop_ || !items_.empty(); });
    if (stop_) return;
    std::vector<Item> batch = NextBatch();
    in_flight_ = batch.size();
    l.unlock();
    Status s = Apply(batch);
    if (!s.ok() && !Retryable(s) && batch.size() > 1) {
      // Find the write the database refuses; apply the others one by one, in order.
      std::vector<Item> left;
      s = Status::Ok();
      for (auto& item : batch) {
        if (Retryable(s)) {
          left.push_back(std::move(item));
          continue;
        }
        Status one = Apply({item});
        if (Retryable(one)) {
          s = one;
          left.push_back(std::move(item));
        } else if (!one.ok() && on_error_) {
          on_error_(item.what, one);
        }
      }
      batch = std::move(left);
    } else if (!s.ok() && !Retryable(s)) {
      if (on_error_) on_error_(batch.front().what, s);
      batch.clear();
    } else if (s.ok()) {
      batch.clear();
    }
    l.lock();
    last_error_ = s;
    if (Retryable(s)) {
      // Put what is left back at the head, in order, and wait before trying again.
      healthy_ = false;
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) items_.push_front(std::move(*it));
      in_flight_ = 0;
      cv_.notify_all();
      cv_.wait_for(l, backoff, [this] { return stop_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    healthy_ = true;
    backoff = options_.initial_backoff;
    in_flight_ = 0;
    if (items_.size() < options_.max_pending) at_cap_ = false;  // the next drop is reported again
    cv_.notify_all();
  }
}

}  // namespace x3ui::store
