#include "controller/pending_removals/reconciler.h"

#include <unordered_set>

#include <spdlog/spdlog.h>

#include "controller/owned_clients.h"
#include "pkg/common/strings.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

namespace {
// A listing this recent is the one the diff was made from, or newer.
constexpr std::chrono::milliseconds kListingMaxAge{10000};
}  // namespace

PendingRemovalsReconciler::PendingRemovalsReconciler(PendingRemovalsReconcilerDeps deps) : deps_(std::move(deps)) {}

void PendingRemovalsReconciler::HandExtra(const std::string& node_key, std::vector<std::string> emails) {
  MutexLock l(mu_);
  extra_[node_key] = std::move(emails);
}

Result<size_t> PendingRemovalsReconciler::RemoveExtra(const std::string& ns, const std::string& node,
                                              const std::vector<std::string>& emails) {
  std::shared_ptr<panel::PanelSession> session = deps_.panels->Find(kube::ObjectKey{ns, node}.String());
  if (!session) return size_t{0};  // the node is gone: nothing of it is left to clean
  Result<panel::PanelSession::Listing> listing = session->SharedListing(kListingMaxAge);
  if (!listing.ok()) return listing.status().WithContext("listing inbounds");
  // Still extra: listed, owned, and its assignment not placed here since the diff. (Sets, read
  // once per pass: a revived panel brings thousands of leftovers.)
  const std::unordered_set<std::string> handed(emails.begin(), emails.end());
  std::unordered_set<std::string> placed;
  if (deps_.placed_on) {
    for (auto& name : deps_.placed_on(ns, node)) placed.insert(std::move(name));
  }
  std::vector<std::string> remove;
  for (const auto& inbound : **listing) {
    for (const auto& c : inbound.clients) {
      std::string email = AsciiLower(c.email);
      if (!handed.count(email)) continue;
      std::optional<std::string> owner = OwnerOf(ns, c);
      if (!owner || placed.count(*owner)) continue;
      remove.push_back(std::move(email));
    }
  }
  if (remove.empty()) return size_t{0};
  if (Status s = DeleteOwnedClients(*session, **listing, remove); !s.ok()) return s;
  return remove.size();
}

Result<runtime::ReconcileResult> PendingRemovalsReconciler::Reconcile(const std::string& ns, const std::string& node, bool pending) {
  const std::string key = kube::ObjectKey{ns, node}.String();
  std::vector<std::string> emails;
  {
    MutexLock l(mu_);
    if (auto it = extra_.find(key); it != extra_.end()) {
      emails = std::move(it->second);
      extra_.erase(it);
    }
  }
  size_t removed = 0;
  if (!emails.empty()) {
    Result<size_t> r = RemoveExtra(ns, node, emails);
    if (!r.ok()) {
      // The next probe's diff hands whatever is still extra over again.
      spdlog::warn("cleanup failed node={} extra={} error={}", key, emails.size(), r.status().message());
      return r.status();
    }
    removed = *r;
    if (removed > 0) spdlog::info("extra clients removed node={} clients={}", key, removed);
  }
  if (pending && deps_.remove_pending) {
    if (Status s = deps_.remove_pending(ns, node); !s.ok()) {
      spdlog::warn("pending removals wait node={} error={}", key, s.message());
      return s;
    }
  }
  if (removed > 0 && deps_.reprobe) deps_.reprobe(key);
  return runtime::ReconcileResult{};
}

}  // namespace x3ui::controller
