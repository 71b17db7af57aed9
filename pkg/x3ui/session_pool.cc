#include "pkg/x3ui/session_pool.h"

#include <map>
#include <optional>
#include <set>

#include "pkg/common/strings.h"

namespace x3ui::panel {

Status PanelSession::AddClientsVerified(const Inbound& inbound, const std::vector<Client>& clients) {
  PendingAdd mine{&inbound, &clients};
  {
    std::lock_guard<std::mutex> l(pending_mu_);
    pending_.push_back(&mine);
  }
  std::lock_guard<std::mutex> lock(mutate_mu_);
  if (mine.done) return mine.result;  // a caller before us sent ours along with theirs
  // Take every waiting caller of the same inbound, ourselves first, up to the batch limit.
  std::vector<PendingAdd*> batch{&mine};
  size_t n = clients.size();
  {
    std::lock_guard<std::mutex> l(pending_mu_);
    std::erase(pending_, &mine);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if ((*it)->inbound->id == inbound.id && n + (*it)->clients->size() <= kMaxClientsPerAdd) {
        n += (*it)->clients->size();
        batch.push_back(*it);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
  AddBatch(batch);
  return mine.result;
}

std::vector<Status> PanelSession::AddClientGroups(const Inbound& inbound,
                                                   const std::vector<std::vector<Client>>& groups) {
  std::vector<PendingAdd> entries;
  entries.reserve(groups.size());
  for (const auto& g : groups) entries.push_back(PendingAdd{&inbound, &g});
  std::vector<PendingAdd*> batch;
  for (auto& e : entries) batch.push_back(&e);
  std::vector<Status> results;
  if (batch.empty()) return results;
  {
    std::lock_guard<std::mutex> lock(mutate_mu_);
    AddBatch(batch);
  }
  for (const auto& e : entries) results.push_back(e.result);
  return results;
}

Result<std::vector<Inbound>> PanelSession::ListInbounds(std::chrono::milliseconds max_age) {
  Result<Listing> listing = SharedListing(max_age);
  if (!listing.ok()) return listing.status();
  return **listing;
}

Result<PanelSession::Listing> PanelSession::SharedListing(std::chrono::milliseconds max_age) {
  auto fresh = [&]() -> std::optional<Listing> {
    std::lock_guard<std::mutex> l(listing_mu_);
    if (max_age.count() > 0 && listed_generation_ == generation_ &&
        std::chrono::steady_clock::now() - listed_at_ < max_age) {
      return listed_;
    }
    return std::nullopt;
  };
  if (auto kept = fresh()) return *std::move(kept);
  // Callers that accept a kept listing wait for one already being made instead of each asking
  // the panel (a thousand new users would otherwise list it a thousand times).
  std::unique_lock<std::mutex> one_at_a_time(refresh_mu_, std::defer_lock);
  if (max_age.count() > 0) {
    one_at_a_time.lock();
    if (auto kept = fresh()) return *std::move(kept);
  }
  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(listing_mu_);
    generation = generation_;
  }
  Result<std::vector<Inbound>> inbounds = client_->ListInbounds();
  if (!inbounds.ok()) return inbounds.status();
  auto listing = std::make_shared<const std::vector<Inbound>>(std::move(inbounds).value());
  Keep(generation, listing);
  return Listing(listing);
}

PanelSession::Listing PanelSession::LastListing() const {
  std::lock_guard<std::mutex> l(listing_mu_);
  return listed_;
}

void PanelSession::Changed() {
  std::lock_guard<std::mutex> l(listing_mu_);
  ++generation_;
}

void PanelSession::Keep(uint64_t generation, Listing inbounds) {
  std::lock_guard<std::mutex> l(listing_mu_);
  if (generation != generation_) return;
  listed_generation_ = generation;
  listed_at_ = std::chrono::steady_clock::now();
  listed_ = std::move(inbounds);
}

void PanelSession::SendHalving(const Inbound& inbound, std::span<PendingAdd* const> group,
                               std::map<PendingAdd*, Status>* refused) {
  std::vector<Client> all;
  for (PendingAdd* e : group) all.insert(all.end(), e->clients->begin(), e->clients->end());
  Status s = client_->AddClients(inbound, all);
  if (s.ok()) return;
  if (group.size() == 1) {
    refused->emplace(group.front(), s);
    return;
  }
  // One duplicate email rejects a whole batch: halve it until the bad callers stand alone.
  const size_t half = group.size() / 2;
  SendHalving(inbound, group.first(half), refused);
  SendHalving(inbound, group.subspan(half), refused);
}

void PanelSession::AddBatch(const std::vector<PendingAdd*>& batch) {
  const Inbound& inbound = *batch.front()->inbound;
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
  Result<std::vector<Inbound>> after = client_->ListInbounds();
  if (after.ok()) Keep(generation, std::make_shared<const std::vector<Inbound>>(*after));
  std::map<std::string, Client> present;
  if (after.ok()) {
    for (const auto& in : *after) {
      if (in.id != inbound.id) continue;
      for (const auto& cl : in.clients) present.emplace(AsciiLower(cl.email), cl);
    }
  }
  for (PendingAdd* e : batch) {
    e->done = true;
    auto r = refused.find(e);
    std::string missing;
    for (const auto& cl : *e->clients) {
      auto have = present.find(AsciiLower(cl.email));
      const bool ours = have != present.end() &&
                        (r == refused.end() || ClientKey(inbound.protocol, have->second) == ClientKey(inbound.protocol, cl));
      if (!ours) missing += (missing.empty() ? "" : ", ") + cl.email;
    }
    if (missing.empty()) {
      e->result = Status::Ok();
    } else if (r != refused.end()) {
      e->result = r->second;
    } else if (!after.ok()) {
      e->result = after.status().WithContext("re-reading after adding clients");
    } else {
      e->result = Status::FailedPrecondition("the panel accepted but did not keep: " + missing).WithReason("NotPersisted");
    }
  }
}

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
  auto client = std::make_unique<PanelClient>(endpoint.panel, std::move(transport).value(), clock_,
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
