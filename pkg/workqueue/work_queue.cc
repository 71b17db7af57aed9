#include "pkg/workqueue/work_queue.h"

namespace x3ui::workqueue {

WorkQueue::WorkQueue(std::string name, std::unique_ptr<RateLimiter> limiter)
    : name_(std::move(name)), limiter_(std::move(limiter)) {
  delay_thread_ = std::thread([this] { DelayLoop(); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  delay_thread_.join();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_ || dirty_.count(key)) return;
  ++adds_;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // requeued by Done
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::nanoseconds delay) {
  if (delay.count() <= 0) return Add(key);
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  delayed_.emplace(std::chrono::steady_clock::now() + delay, key);
  delay_cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  {
    std::lock_guard<std::mutex> l(mu_);
    ++retries_;
  }
  AddAfter(key, limiter_->When(key));
}

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }
int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) queue_.push_back(key);  // it was added while being processed
  cv_.notify_all();
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> l(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  delay_cv_.notify_all();
}

bool WorkQueue::ShutDownWithDrain(std::chrono::milliseconds timeout) {
  ShutDown();
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] { return processing_.empty(); });
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

int64_t WorkQueue::adds() const {
  std::lock_guard<std::mutex> l(mu_);
  return adds_;
}

int64_t WorkQueue::retries() const {
  std::lock_guard<std::mutex> l(mu_);
  return retries_;
}

void WorkQueue::DelayLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!shutting_down_) {
    if (delayed_.empty()) {
      delay_cv_.wait(l);
      continue;
    }
    auto first = delayed_.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      delay_cv_.wait_until(l, first->first);
      continue;
    }
    std::string key = first->second;
    delayed_.erase(first);
    l.unlock();
    Add(key);
    l.lock();
  }
}

}  // namespace x3ui::workqueue
