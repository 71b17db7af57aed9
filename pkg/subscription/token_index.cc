#include "pkg/subscription/token_index.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace x3ui::subscription {

Digest Sha256(const std::string& s) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

void TokenIndex::Put(const std::string& token, const std::string& key) {
  const Digest d = Sha256(token);
  std::lock_guard lock(mu_);
  by_digest_[d] = key;
}

void TokenIndex::Erase(const std::string& token, const std::string& key) {
  const Digest d = Sha256(token);
  std::lock_guard lock(mu_);
  if (auto it = by_digest_.find(d); it != by_digest_.end() && it->second == key) by_digest_.erase(it);
}

size_t TokenIndex::Size() const {
  std::lock_guard lock(mu_);
  return by_digest_.size();
}

std::optional<std::string> TokenIndex::Find(const std::string& token) const {
  const Digest d = Sha256(token);
  std::lock_guard lock(mu_);
  auto it = by_digest_.find(d);
  // The table compares digests, not tokens; the constant-time check confirms the match.
  if (it == by_digest_.end() || CRYPTO_memcmp(it->first.data(), d.data(), d.size()) != 0) return std::nullopt;
  return it->second;
}

}  // namespace x3ui::subscription
