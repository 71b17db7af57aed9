#include "pkg/x3ui/session_pool.h"

#include <map>
#include <optional>
#include <set>

#include "pkg/common/strings.h"
#include "pkg/x3ui/reasons.h"

namespace x3ui::panel {

std::chrono::steady_clock::time_point PanelSession::WaitDeadline() const {
  return std::chrono::steady_clock::now() + wait_limit_;
}

Status PanelSession::WaitExpired(const std::string& what) const {
  return Status::DeadlineExceeded("waited " + std::to_string(wait_limit_.count()) + " ms for " + what + " on panel " +
                                  key_)
      .WithReason(kReasonPanelBusy);
}

Status PanelSession::TakeTurn() {
  std::unique_lock<std::mutex> l(turn_mu_);
  if (!turn_cv_.wait_until(l, WaitDeadline(), [&] { return !mutating_; })) return WaitExpired("another change");
  mutating_ = true;
  return Status::Ok();
}

void PanelSession::GiveTurn() {
  std::lock_guard<std::mutex> l(turn_mu_);
  mutating_ = false;
  turn_cv_.notify_all();
}

std::vector<PanelSession::PendingPtr> PanelSession::TakeBatch(const PendingPtr& mine) {
  std::vector<PendingPtr> batch{mine};
  size_t n = mine->clients.size();
  std::erase(pending_, mine);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if ((*it)->inbound.id == mine->inbound.id && n + (*it)->clients.size() <= kMaxClientsPerAdd) {
      n += (*it)->clients.size();
      batch.push_back(*it);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

Status PanelSession::AddClientsVerified(const Inbound& inbound, const std::vector<Client>& clients) {
  auto mine = std::make_shared<PendingAdd>();
  mine->inbound.id = inbound.id;
  mine->inbound.protocol = inbound.protocol;
  mine->clients = clients;
  std::unique_lock<std::mutex> l(turn_mu_);
  pending_.push_back(mine);
  const bool woken = turn_cv_.wait_until(l, WaitDeadline(), [&] { return mine->done || !mutating_; });
  if (mine->done) return mine->result;  // a caller before us sent ours along with theirs
  if (!woken) {
    std::erase(pending_, mine);  // if another caller is sending ours, the result goes nowhere
    return WaitExpired("the clients being added before these");
  }
  // Our turn: take every waiting caller of the same inbound, ourselves first, up to the limit.
  mutating_ = true;
  std::vector<PendingPtr> batch = TakeBatch(mine);
  {
    // Whatever happens, the entries are answered and the turn given back.
    struct Finish {
      std::unique_lock<std::mutex>& l;
      PanelSession* s;
      const std::vector<PendingPtr>& batch;
      std::vector<Status> results;
      ~Finish() {
        if (!l.owns_lock()) l.lock();
        for (size_t i = 0; i < batch.size(); ++i) {
          batch[i]->result = i < results.size() ? results[i] : Status::Internal("the batched add ended abnormally");
          batch[i]->done = true;
        }
        s->mutating_ = false;
        s->turn_cv_.notify_all();
      }
    } finish{l, this, batch, {}};
    l.unlock();
    finish.results = AddBatch(batch);
  }
  return mine->result;
}

std::vector<Status> PanelSession::AddClientGroups(const Inbound& inbound,
                                                   const std::vector<std::vector<Client>>& groups) {
  std::vector<PendingPtr> batch;
  for (const auto& g : groups) {
    auto e = std::make_shared<PendingAdd>();
    e->inbound.id = inbound.id;
    e->inbound.protocol = inbound.protocol;
    e->clients = g;
    batch.push_back(std::move(e));
  }
  if (batch.empty()) return {};
  if (Status s = TakeTurn(); !s.ok()) return std::vector<Status>(batch.size(), s);
  struct Release {
    PanelSession* s;
    ~Release() { s->GiveTurn(); }
  } release{this};
  return AddBatch(batch);
}

Result<std::vector<Inbound>> PanelSession::ListInbounds(std::chrono::milliseconds max_age) {
  Result<Listing> listing = SharedListing(max_age);
  if (!listing.ok()) return listing.status();
  return **listing;
}

PanelSession::Listing PanelSession::FreshLocked(std::chrono::milliseconds max_age) const {
  if (max_age.count() > 0 && listed_generation_ == generation_ && std::chrono::steady_clock::now() - listed_at_ < max_age) {
    return listed_;
  }
  return nullptr;
}

Result<PanelSession::Listing> PanelSession::SharedListing(std::chrono::milliseconds max_age) {
  std::unique_lock<std::mutex> l(listing_mu_);
  if (Listing kept = FreshLocked(max_age)) return kept;
  // Callers that accept a kept listing wait for one already being made instead of each asking
  // the panel (a thousand new users would otherwise list it a thousand times), for a bounded
  // time, and share its failure.
  const bool for_everyone = max_age.count() > 0;
  if (for_everyone) {
    const auto deadline = WaitDeadline();
    while (refreshing_) {
      const uint64_t seen = refreshes_;
      if (!refreshed_.wait_until(l, deadline, [&] { return refreshes_ != seen; })) {
        return WaitExpired("the inbound listing in progress");
      }
      if (Listing kept = FreshLocked(max_age)) return kept;
      if (!last_refresh_.ok()) return last_refresh_;
      // Listed, but a mutation came after it: list again (or wait for whoever does).
    }
    refreshing_ = true;
  }
  // Whatever happens, a refresh for everyone ends and its waiters are told how.
  struct EndRefresh {
    std::unique_lock<std::mutex>& l;
    PanelSession* s;
    bool on;
    Status result = Status::Internal("the inbound listing ended abnormally");
    ~EndRefresh() {
      if (!on) return;
      if (!l.owns_lock()) l.lock();
      s->refreshing_ = false;
      ++s->refreshes_;
      s->last_refresh_ = result;
      s->refreshed_.notify_all();
    }
  } end{l, this, for_everyone};
  const uint64_t generation = generation_;
  l.unlock();
  Result<Listing> listing = client_->ListInboundsShared();
  l.lock();
  if (!listing.ok()) {
    end.result = listing.status();
    return listing.status();
  }
  KeepLocked(generation, *listing);
  end.result = Status::Ok();
  return listing;
}

PanelSession::Listing PanelSession::LastListing() const {
  std::lock_guard<std::mutex> l(listing_mu_);
  return listed_;
}

void PanelSession::Changed() {
  std::lock_guard<std::mutex> l(listing_mu_);
  ++generation_;
}

void PanelSession::KeepLocked(uint64_t generation, Listing inbounds) {
  if (generation != generation_) return;
  listed_generation_ = generation;
  listed_at_ = std::chrono::steady_clock::now();
  listed_ = std::move(inbounds);
}

void PanelSession::SendHalving(const Inbound& inbound, std::span<const PendingPtr> group,
                               std::map<PendingAdd*, Status>* refused) {
  std::vector<Client> all;
  for (const PendingPtr& e : group) all.insert(all.end(), e->clients.begin(), e->clients.end());
  Status s = client_->AddClients(inbound, all);
  if (s.ok()) return;
  if (group.size() == 1) {
    refused->emplace(group.front().get(), s);
    return;
  }
  // One duplicate email rejects a whole batch: halve it until the bad callers stand alone.
  const size_t half = group.size() / 2;
  SendHalving(inbound, group.first(half), refused);
  SendHalving(inbound, group.subspan(half), refused);
}

std::vector<Status> PanelSession::AddBatch(const std::vector<PendingPtr>& batch) {
  const Inbound& inbound = batch.front()->inbound;
  std::map<PendingAdd*, Status> refused;
  SendHalving(inbound, batch, &refused);
  Changed();
  // The re-read decides: a panel may lose a write, and one that adds a client per call may have
  // kept part of a refused batch (then a refused caller's client is there with its own key).
  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(listing_mu_);
    generation = generation_;
  }
  Result<Listing> after = client_->ListInboundsShared();
  if (after.ok()) {
    std::lock_guard<std::mutex> l(listing_mu_);
    KeepLocked(generation, *after);
  }
  std::map<std::string, Client> present;
  if (after.ok()) {
    for (const auto& in : **after) {
      if (in.id != inbound.id) continue;
      for (const auto& cl : in.clients) present.emplace(AsciiLower(cl.email), cl);
    }
  }
  std::vector<Status> results;
  for (const PendingPtr& e : batch) {
    auto r = refused.find(e.get());
    std::string missing;
    for (const auto& cl : e->clients) {
      auto have = present.find(AsciiLower(cl.email));
      const bool ours = have != present.end() &&
                        (r == refused.end() || ClientKey(inbound.protocol, have->second) == ClientKey(inbound.protocol, cl));
      if (!ours) missing += (missing.empty() ? "" : ", ") + cl.email;
    }
    if (missing.empty()) {
      results.push_back(Status::Ok());
    } else if (r != refused.end()) {
      results.push_back(r->second);
    } else if (!after.ok()) {
      results.push_back(after.status().WithContext("re-reading after adding clients"));
    } else {
      results.push_back(
          Status::FailedPrecondition("the panel accepted but did not keep: " + missing).WithReason(kReasonNotPersisted));
    }
  }
  return results;
}

namespace {
// How long a caller waits for another caller's work on the same panel: as long as a login (two
// requests, each bounded by the request timeout) may take, and a little more.
std::chrono::milliseconds WaitLimitFor(std::chrono::milliseconds request_timeout) {
  return 2 * request_timeout + std::chrono::seconds(1);
}
}  // namespace

PanelSessionPool::PanelSessionPool(const Clock* clock, TransportFactory transports, ObserverFactory observers)
    : clock_(clock), transports_(std::move(transports)), observers_(std::move(observers)) {}

Result<std::shared_ptr<PanelSession>> PanelSessionPool::Get(const std::string& key, const PanelEndpoint& endpoint) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = sessions_.find(key);
  if (it != sessions_.end() && it->second.endpoint == endpoint) return it->second.session;
  TransportOptions t = endpoint.transport;
  t.base_url = endpoint.panel.url;
  Result<std::unique_ptr<HttpTransport>> transport = transports_(t);
  if (!transport.ok()) return transport.status();
  PanelOptions panel = endpoint.panel;
  panel.wait_limit = WaitLimitFor(t.timeout);
  auto client = std::make_unique<PanelClient>(panel, std::move(transport).value(), clock_,
                                              observers_ ? observers_(key) : nullptr);
  auto session = std::make_shared<PanelSession>(key, std::move(client));
  sessions_[key] = Entry{endpoint, session};
  return session;
}

std::shared_ptr<PanelSession> PanelSessionPool::Find(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = sessions_.find(key);
  return it == sessions_.end() ? nullptr : it->second.session;
}

void PanelSessionPool::Remove(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  sessions_.erase(key);
}

size_t PanelSessionPool::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return sessions_.size();
}

}  // namespace x3ui::panel
