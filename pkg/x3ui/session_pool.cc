#include "pkg/x3ui/session_pool.h"

#include <set>

namespace x3ui::panel {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Status PanelSession::AddClientsVerified(const Inbound& inbound, const std::vector<Client>& clients) {
  return Mutate([&](PanelClient& c) -> Status {
    if (Status s = c.AddClients(inbound, clients); !s.ok()) return s;
    Result<std::vector<Inbound>> after = c.ListInbounds();
    if (!after.ok()) return after.status().WithContext("re-reading after adding clients");
    std::set<std::string> present;
    for (const auto& in : *after) {
      if (in.id != inbound.id) continue;
      for (const auto& cl : in.clients) present.insert(Lower(cl.email));
    }
    std::string missing;
    for (const auto& cl : clients) {
      if (!present.count(Lower(cl.email))) missing += (missing.empty() ? "" : ", ") + cl.email;
    }
    if (!missing.empty()) {
      return Status::FailedPrecondition("the panel accepted but did not keep: " + missing).WithReason("NotPersisted");
    }
    return Status::Ok();
  });
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

void PanelSessionPool::Remove(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  sessions_.erase(key);
}

size_t PanelSessionPool::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return sessions_.size();
}

}  // namespace x3ui::panel
