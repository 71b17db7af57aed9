#include "pkg/x3ui/add_batcher.h"

#include <algorithm>

namespace x3ui::panel {

AddBatcher::AddBatcher(Options options, std::function<void(const std::string& key)> done,
                       std::function<void(const FlushReport&)> on_flush)
    : options_(options), done_(std::move(done)), on_flush_(std::move(on_flush)) {}

AddBatcher::~AddBatcher() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    for (auto& [key, lane] : lanes_) lane->cv.notify_all();
  }
  for (auto& [key, lane] : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
  std::lock_guard<std::mutex> l(mu_);
  JoinRetired();
}

void AddBatcher::JoinRetired() {
  // A retired lane's thread holds no lock any more: joining under mu_ cannot deadlock.
  for (auto& lane : retired_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
  retired_.clear();
}

std::shared_ptr<PanelSession> AddBatcher::Retire(Lane* lane) {
  auto it = lanes_.find(lane->key);
  std::erase_if(results_, [&](const auto& r) { return r.second.lane == lane->key; });
  std::shared_ptr<PanelSession> session = std::move(lane->session);
  retired_.push_back(std::move(it->second));
  lanes_.erase(it);
  return session;
}

size_t AddBatcher::Lanes() const {
  std::lock_guard<std::mutex> l(mu_);
  return lanes_.size();
}

void AddBatcher::Submit(std::shared_ptr<PanelSession> session, const std::string& key, std::vector<ClientAdd> adds) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopping_) return;
  JoinRetired();
  const auto now = std::chrono::steady_clock::now();
  std::unique_ptr<Lane>& lane = lanes_[session->key()];
  if (!lane) {
    lane = std::make_unique<Lane>();
    lane->key = session->key();
    lane->used = now;
    lane->thread = std::thread([this, raw = lane.get()] { Run(raw); });
  }
  lane->session = std::move(session);  // the newest (credentials may have changed)
  lane->used = now;
  if (lane->waiting.empty()) lane->first = now;
  lane->last = now;
  std::erase_if(lane->waiting, [&](const Waiting& w) { return w.key == key; });
  lane->waiting.push_back(Waiting{key, std::move(adds)});
  pending_[key] = lane->session->key();
  results_.erase(key);
  lane->cv.notify_all();
}

bool AddBatcher::Pending(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  return pending_.count(key) > 0;
}

std::optional<Status> AddBatcher::TakeResult(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = results_.find(key);
  if (it == results_.end()) return std::nullopt;
  Status s = it->second.status;
  results_.erase(it);
  return s;
}

void AddBatcher::Run(Lane* lane) {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    if (lane->waiting.empty()) {
      if (std::chrono::steady_clock::now() >= lane->used + options_.idle) {
        std::shared_ptr<PanelSession> session = Retire(lane);
        l.unlock();
        return;  // `session` (maybe the last hold on it) is dropped without mu_
      }
      lane->cv.wait_until(l, lane->used + options_.idle);
      continue;
    }
    // Wait for a pause in arrivals, but not past max_wait for the first user.
    const auto send_at = std::min(lane->last + options_.linger, lane->first + options_.max_wait);
    if (std::chrono::steady_clock::now() < send_at) {
      lane->cv.wait_until(l, send_at);
      continue;
    }
    std::vector<Waiting> batch = std::move(lane->waiting);
    lane->waiting.clear();
    std::shared_ptr<PanelSession> session = lane->session;
    l.unlock();
    FlushReport report{session->key()};
    std::map<std::string, Status> outcome = Flush(*session, batch, &report.calls);
    for (const auto& [key, status] : outcome) ++(status.ok() ? report.added : report.failed);
    l.lock();
    std::vector<std::string> finished;
    for (auto& [key, status] : outcome) {
      // A user submitted again meanwhile waits for its newer submission.
      const bool resubmitted = std::any_of(lane->waiting.begin(), lane->waiting.end(),
                                           [&](const Waiting& w) { return w.key == key; });
      if (resubmitted) continue;
      pending_.erase(key);
      results_[key] = Outcome{status, lane->key};
      finished.push_back(key);
    }
    l.unlock();
    for (const auto& key : finished) done_(key);
    if (on_flush_) on_flush_(report);
    l.lock();
    lane->used = std::chrono::steady_clock::now();
  }
}

std::map<std::string, Status> AddBatcher::Flush(PanelSession& session, const std::vector<Waiting>& batch,
                                                size_t* calls) {
  std::map<std::string, Status> outcome;
  // Per inbound: the users' groups, sent in calls of at most kMaxClientsPerAdd clients.
  std::map<int64_t, std::vector<std::pair<const Inbound*, const Waiting*>>> by_inbound;
  for (const Waiting& w : batch) {
    outcome.emplace(w.key, Status::Ok());
    std::map<int64_t, bool> seen;
    for (const ClientAdd& a : w.adds) {
      if (!seen[a.inbound.id]) by_inbound[a.inbound.id].push_back({&a.inbound, &w});
      seen[a.inbound.id] = true;
    }
  }
  for (const auto& [id, users] : by_inbound) {
    const Inbound& inbound = *users.front().first;
    size_t i = 0;
    while (i < users.size()) {
      std::vector<std::vector<Client>> groups;
      std::vector<const Waiting*> owners;
      size_t clients = 0;
      for (; i < users.size(); ++i) {
        std::vector<Client> group;
        for (const ClientAdd& a : users[i].second->adds) {
          if (a.inbound.id == id) group.push_back(a.client);
        }
        if (!groups.empty() && clients + group.size() > kMaxClientsPerAdd) break;
        clients += group.size();
        groups.push_back(std::move(group));
        owners.push_back(users[i].second);
      }
      std::vector<Status> results = session.AddClientGroups(inbound, groups);
      ++*calls;
      for (size_t g = 0; g < owners.size(); ++g) {
        Status& o = outcome[owners[g]->key];
        if (o.ok() && !results[g].ok()) o = results[g];
      }
    }
  }
  return outcome;
}

}  // namespace x3ui::panel
