// File: pkg/x3ui/session_pool.h
//
// PanelSessionPool (the seed system's "X3UIClientPool"): one logged-in PanelClient per panel,
// shared by the prober and every reconciler. Mutations of one panel run one at a time through
// PanelSession::Mutate, because the panel does not lock its read-modify-write of an inbound's
// settings and concurrent changes to one inbound can be lost; different panels proceed in
// parallel. Reads need no lock.
//
// No mutex is held across a network call. A caller that waits for another's work on the same
// panel (its mutation, the inbound listing it is making for everyone, its login) waits at most
// the client's wait_limit and then fails with DeadlineExceeded, so that one slow panel holds up
// only its own callers, and those only for a bounded time; every request itself has a total
// deadline (http_transport.h).
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_X3UI_SESSION_POOL_H_
#define X3UI_PKG_X3UI_SESSION_POOL_H_

#include <chrono>
#include <condition_variable>
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
  PanelSession(std::string key, std::unique_ptr<PanelClient> client)
      : key_(std::move(key)), client_(std::move(client)), wait_limit_(client_->wait_limit()) {}

  const std::string& key() const { return key_; }
  // For reads (status, traffic); safe concurrently with everything. Inbound listings should go
  // through ListInbounds below, which keeps the copy the reconcilers reuse.
  PanelClient& client() { return *client_; }

  // The panel's inbounds (with their clients). A listing made through this session is reused
  // while it is younger than `max_age` and no mutation has gone through the session since; a
  // zero `max_age` always asks the panel (the prober does, and refreshes the copy for everyone).
  // A change made behind the operator's back is seen at the next real listing. Thread-safe.
  Result<std::vector<Inbound>> ListInbounds(std::chrono::milliseconds max_age = std::chrono::milliseconds(0));
  // The same, shared rather than copied (a listing of a full panel is large, and every new
  // user's reconcile reads it).
  using Listing = std::shared_ptr<const std::vector<Inbound>>;
  Result<Listing> SharedListing(std::chrono::milliseconds max_age);
  // The last listing kept, however old, or null. Enough to tell whether a brand-new user's
  // client may already be there: if a stale listing says no and it is, the batched add's
  // verification finds it; if it says yes and it is gone, the prober's drift diff repairs it.
  Listing LastListing() const;

  // Runs `fn(client)` (returning Status) in this panel's mutation turn, and returns what it
  // returns; DeadlineExceeded without running it when the turn does not come within the wait
  // limit. The kept inbound listing is dropped afterwards (the panel may have changed).
  template <typename Fn>
  Status Mutate(Fn&& fn) {
    if (Status s = TakeTurn(); !s.ok()) return s;
    struct Release {
      PanelSession* s;
      ~Release() {
        s->Changed();
        s->GiveTurn();
      }
    } release{this};
    return fn(*client_);
  }

  // Adds `clients` to `inbound` in the mutation turn, then re-reads the inbound and checks
  // that every email is there (the panel may lose a write to a concurrent traffic job).
  // FailedPrecondition/NotPersisted names the missing emails.
  //
  // Calls for the same inbound that arrive while the panel is busy are batched (group commit):
  // whoever gets the turn next sends every waiting caller's clients in one addClient call and
  // verifies them with one re-read, so N concurrent new users cost two panel calls, not 2N. If
  // the panel refuses the batch (one duplicate email rejects a whole batch), it is halved until
  // the refusal is one caller's (about 2 log2 N calls), so one bad user never fails the others.
  // A caller whose clients are still unsent (or still being sent by another caller) when the wait
  // limit passes gets DeadlineExceeded; clients being sent may still arrive, which a later
  // listing shows.
  Status AddClientsVerified(const Inbound& inbound, const std::vector<Client>& clients);

  // Adds every group of `groups` (each one user's clients) to `inbound` in one addClient call,
  // verified with one re-read, the way AddClientsVerified does for concurrent callers; the
  // result of group i is element i. For a caller that gathered the users itself (AddBatcher).
  // The groups together should not exceed kMaxClientsPerAdd clients.
  std::vector<Status> AddClientGroups(const Inbound& inbound, const std::vector<std::vector<Client>>& groups);

 private:
  // One caller's clients, owned here: a caller that stops waiting may return while another
  // caller is still sending them.
  struct PendingAdd {
    Inbound inbound;  // its id and protocol only
    std::vector<Client> clients;
    Status result = Status::Ok();
    bool done = false;  // guarded by turn_mu_, as is result once the entry is shared
  };
  using PendingPtr = std::shared_ptr<PendingAdd>;

  // Waits (at most the wait limit) for the mutation turn and takes it.
  [[nodiscard]] Status TakeTurn();
  void GiveTurn();
  // Sends `batch` (same inbound) as one call, verifies it, and returns each entry's result; the
  // verifying re-read becomes the kept listing. REQUIRES: the turn (not turn_mu_).
  std::vector<Status> AddBatch(const std::vector<PendingPtr>& batch);
  // Sends `group` in one call; a refused group is split in halves until each refusal is one
  // caller's, recorded in `refused`. REQUIRES: the turn.
  void SendHalving(const Inbound& inbound, std::span<const PendingPtr> group, std::map<PendingAdd*, Status>* refused);
  // Removes from pending_ and returns `mine` and every waiting entry of the same inbound, up to
  // the batch limit. REQUIRES: turn_mu_.
  std::vector<PendingPtr> TakeBatch(const PendingPtr& mine);
  std::chrono::steady_clock::time_point WaitDeadline() const;
  Status WaitExpired(const std::string& what) const;

  // A mutation went through: listings started before now must not be kept.
  void Changed();
  // Keeps `inbounds`, listed when the mutation generation was `generation`, unless a mutation
  // has happened since. REQUIRES: listing_mu_.
  void KeepLocked(uint64_t generation, Listing inbounds);
  // The kept listing when it is younger than `max_age` and still current. REQUIRES: listing_mu_.
  Listing FreshLocked(std::chrono::milliseconds max_age) const;

  const std::string key_;
  std::unique_ptr<PanelClient> client_;
  const std::chrono::milliseconds wait_limit_;

  std::mutex turn_mu_;                 // guards the fields below; never held across a call
  std::condition_variable turn_cv_;    // the turn was given back, or a batch's results were set
  bool mutating_ = false;              // someone has the mutation turn
  std::vector<PendingPtr> pending_;    // callers of AddClientsVerified waiting for the turn

  mutable std::mutex listing_mu_;      // guards the fields below; never held across a call
  std::condition_variable refreshed_;  // a refresh for everyone ended
  uint64_t generation_ = 0;            // mutations so far
  uint64_t listed_generation_ = ~uint64_t{0};
  std::chrono::steady_clock::time_point listed_at_;
  Listing listed_;
  bool refreshing_ = false;            // a caller is listing the panel for the others
  uint64_t refreshes_ = 0;             // refreshes for everyone ended so far
  Status last_refresh_;                // how the last one ended
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
  // The session for panel `key` as it is now, or null when there is none yet (the prober opens
  // and updates it from the node's spec and Secret; reconcilers reuse it without re-reading them).
  std::shared_ptr<PanelSession> Find(const std::string& key) const;
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
