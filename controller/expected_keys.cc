#include "controller/expected_keys.h"

#include <algorithm>

namespace x3ui::controller {

void ExpectedKeys::Set(const std::string& user, const std::string& inbound, uint64_t fingerprint) {
  MutexLock l(mu_);
  auto& entries = keys_[user];
  auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == inbound; });
  if (it == entries.end()) entries.emplace_back(inbound, fingerprint);
  else it->second = fingerprint;
}

std::optional<uint64_t> ExpectedKeys::Get(const std::string& user, const std::string& inbound) const {
  MutexLock l(mu_);
  auto found = keys_.find(user);
  if (found == keys_.end()) return std::nullopt;
  for (const auto& [name, fingerprint] : found->second) {
    if (name == inbound) return fingerprint;
  }
  return std::nullopt;
}

void ExpectedKeys::Forget(const std::string& user) {
  MutexLock l(mu_);
  keys_.erase(user);
}

}  // namespace x3ui::controller
