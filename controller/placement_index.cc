#include "controller/placement_index.h"

#include "pkg/kube/object_key.h"

namespace x3ui::controller {

void PlacementIndex::Set(const std::string& user, const std::string& node) {
  auto [it, inserted] = node_of_.emplace(user, node);
  if (!inserted) {
    if (it->second == node) return;
    Erase(user);
    node_of_.emplace(user, node);
  }
  users_of_[node].insert(user);
}

void PlacementIndex::Erase(const std::string& user) {
  auto it = node_of_.find(user);
  if (it == node_of_.end()) return;
  auto users = users_of_.find(it->second);
  if (users != users_of_.end()) {
    users->second.erase(user);
    if (users->second.empty()) users_of_.erase(users);
  }
  node_of_.erase(it);
}

int64_t PlacementIndex::UsersOn(const std::string& node) const {
  auto it = users_of_.find(node);
  return it == users_of_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

std::vector<std::string> PlacementIndex::NamesOn(const std::string& node) const {
  std::vector<std::string> names;
  auto it = users_of_.find(node);
  if (it == users_of_.end()) return names;
  for (const auto& user : it->second) names.push_back(kube::ObjectKey::Parse(user).name);
  return names;
}

}  // namespace x3ui::controller
