#include "pkg/subscription/token_index.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace x3ui::subscription {

Digest Sha256(const std::string& s) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

void TokenIndex::Put(const std::string& key, const std::string& token) {
  const Digest d = Sha256(token);
  std::lock_guard lock(mu_);
  if (auto old = by_key_.find(key); old != by_key_.end()) by_digest_.erase(old->second);
  by_key_[key] = d;
  by_digest_[d] = key;
}

void TokenIndex::Erase(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto old = by_key_.find(key); old != by_key_.end()) {
    by_digest_.erase(old->second);
    by_key_.erase(old);
  }
}

std::optional<std::string> TokenIndex::Find(const std::string& token) const {
  const Digest d = Sha256(token);
  std::lock_guard lock(mu_);
  auto it = by_digest_.find(d);
  // The map compares digests, not tokens; the constant-time check confirms the match.
  if (it == by_digest_.end() || CRYPTO_memcmp(it->first.data(), d.data(), d.size()) != 0) return std::nullopt;
  return it->second;
}

}  // namespace x3ui::subscription
