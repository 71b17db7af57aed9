// File: pkg/x3ui/session_pool.h
//
// PanelSessionPool (the seed system's "X3UIClientPool"): one logged-in PanelClient per panel,
// shared by the prober and every reconciler. Mutations of one panel run one at a time through
// PanelSession::Mutate, because the panel does not lock its read-modify-write of an inbound's
// settings (x3ui-api.md §7) and concurrent changes to one inbound can be lost; different panels
// proceed in parallel. Reads need no lock.
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_X3UI_SESSION_POOL_H_
#define X3UI_PKG_X3UI_SESSION_POOL_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "pkg/x3ui/panel_client.h"

namespace x3ui::panel {

// Everything that identifies how to reach one panel; a change replaces its session.
struct PanelEndpoint {
  PanelOptions panel;
  TransportOptions transport;  // transport.base_url is set from panel.url by the pool
  bool operator==(const PanelEndpoint& o) const {
    return panel.url == o.panel.url && panel.credentials == o.panel.credentials &&
           transport.ca_pem == o.transport.ca_pem &&
           transport.insecure_skip_tls_verify == o.transport.insecure_skip_tls_verify &&
           transport.timeout == o.transport.timeout;
  }
};

class PanelSession {
 public:
  PanelSession(std::string key, std::unique_ptr<PanelClient> client) : key_(std::move(key)), client_(std::move(client)) {}

  const std::string& key() const { return key_; }
  // For reads (status, list, traffic); safe concurrently with everything.
  PanelClient& client() { return *client_; }

  // Runs `fn(client)` while holding this panel's mutation lock, and returns what it returns.
  template <typename Fn>
  auto Mutate(Fn&& fn) {
    std::lock_guard<std::mutex> l(mutate_mu_);
    return fn(*client_);
  }

  // Adds `clients` to `inbound` under the mutation lock, then re-reads the inbound and checks
  // that every email is there (the panel may lose a write to a concurrent traffic job).
  // FailedPrecondition/NotPersisted names the missing emails.
  //
  // Calls for the same inbound that arrive while the panel is busy are batched (group commit):
  // whoever gets the lock next sends every waiting caller's clients in one addClient call and
  // verifies them with one re-read, so N concurrent new users cost two panel calls, not 2N. If
  // the panel refuses the batch (one duplicate email rejects a whole batch), it is halved until
  // the refusal is one caller's (about 2 log2 N calls), so one bad user never fails the others.
  Status AddClientsVerified(const Inbound& inbound, const std::vector<Client>& clients);

 private:
  struct PendingAdd {
    const Inbound* inbound;
    const std::vector<Client>* clients;
    Status result = Status::Ok();
    bool done = false;
  };
  // Sends `batch` (same inbound) as one call, verifies it, and sets each entry's result.
  // REQUIRES: mutate_mu_.
  void AddBatch(const std::vector<PendingAdd*>& batch);
  // Sends `group` in one call; a refused group is split in halves until each refusal is one
  // caller's, recorded in `refused`. REQUIRES: mutate_mu_.
  void SendHalving(const Inbound& inbound, std::span<PendingAdd* const> group, std::map<PendingAdd*, Status>* refused);

  const std::string key_;
  std::unique_ptr<PanelClient> client_;
  std::mutex mutate_mu_;
  std::mutex pending_mu_;               // guards pending_
  std::vector<PendingAdd*> pending_;    // callers of AddClientsVerified waiting for the lock
};

// Most clients sent in one batched addClient call.
inline constexpr size_t kMaxClientsPerAdd = 500;

class PanelSessionPool {
 public:
  using TransportFactory = std::function<Result<std::unique_ptr<HttpTransport>>(const TransportOptions&)>;
  using ObserverFactory = std::function<RequestObserver(const std::string& key)>;

  // `clock` is borrowed. `transports` defaults to cpprestsdk; `observers` may be null.
  explicit PanelSessionPool(const Clock* clock, TransportFactory transports = NewCppRestTransport,
                            ObserverFactory observers = nullptr);

  // The session for panel `key` (e.g. "namespace/node"), created on first use and replaced when
  // `endpoint` differs from the one it was created with (new URL, credentials, CA...).
  Result<std::shared_ptr<PanelSession>> Get(const std::string& key, const PanelEndpoint& endpoint);
  // Forgets the session (the node was deleted). Holders of the shared_ptr keep it alive.
  void Remove(const std::string& key);
  size_t size() const;

 private:
  struct Entry {
    PanelEndpoint endpoint;
    std::shared_ptr<PanelSession> session;
  };
  const Clock* clock_;
  TransportFactory transports_;
  ObserverFactory observers_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;
};

}  // namespace x3ui::panel

#endif  // X3UI_PKG_X3UI_SESSION_POOL_H_
