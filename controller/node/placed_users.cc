#include "controller/node/placed_users.h"

#include "pkg/api/json.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

std::optional<std::vector<PlacedUser>> PlacedUsersCache::Get(const std::string& ns, const std::string& node) {
  const kube::Informer* informer = assignments_->informer();
  if (!informer || !informer->HasSynced()) return std::nullopt;
  const std::string node_key = kube::ObjectKey{ns, node}.String();
  std::vector<std::string> names = placed_on_(node_key);
  uint64_t epoch;
  {
    MutexLock l(mu_);
    epoch = epochs_[node_key];
    auto cached = entries_.find(node_key);
    if (cached != entries_.end() && cached->second.epoch == epoch && cached->second.names == names) {
      return cached->second.users;
    }
  }
  std::vector<PlacedUser> out;
  for (const auto& name : names) {
    std::optional<kube::Json> obj = informer->Get(kube::ObjectKey{ns, name}.String());
    if (!obj) continue;  // deleted: its clients are extra
    Result<api::VpnAssignment> a = api::DecodeVpnAssignment(*obj);
    if (!a.ok()) return std::nullopt;  // cannot tell what it wants: remove nothing
    out.push_back({name, a->spec});
  }
  MutexLock l(mu_);
  entries_[node_key] = Entry{epoch, std::move(names), out};
  return out;
}

void PlacedUsersCache::Touched(const kube::Json& o) {
  const std::string node = api::AssignedNode(o);
  if (node.empty()) return;
  MutexLock l(mu_);
  ++epochs_[kube::ObjectKey{kube::ObjectKey::Of(o).ns, node}.String()];
}

void PlacedUsersCache::Forget(const std::string& node_key) {
  MutexLock l(mu_);
  epochs_.erase(node_key);
  entries_.erase(node_key);
}

}  // namespace x3ui::controller
