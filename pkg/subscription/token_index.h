// File: pkg/subscription/token_index.h
//
// The users by subscription token. Only SHA-256 digests of the tokens are kept: the lookup
// hashes the presented token, finds the entry by digest and confirms it with CRYPTO_memcmp, so
// neither the table's comparisons nor the final check leak, through their timing, how much of a
// guessed token is right; a miss costs the same hash and lookup as a hit.
//
// One hash table by digest (about 120 bytes per user): the caller names the token an entry is
// replaced or removed by (the informer hands it the old Secret), so no second map by user is kept.
//
// Ownership: owns its entries. Thread-safety: Put/Erase/Find are safe concurrently (a mutex);
// the informer's handlers write while request threads read.
#ifndef X3UI_PKG_SUBSCRIPTION_TOKEN_INDEX_H_
#define X3UI_PKG_SUBSCRIPTION_TOKEN_INDEX_H_

#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace x3ui::subscription {

using Digest = std::array<unsigned char, 32>;
Digest Sha256(const std::string& s);

class TokenIndex {
 public:
  // `token` now resolves to the user `key` ("namespace/assignment").
  void Put(const std::string& token, const std::string& key);
  // `token` stops resolving, if it still resolves to `key` (a rotation: the old token dies at
  // once; a token taken over by another key is left to it).
  void Erase(const std::string& token, const std::string& key);
  // The key of the user holding `token`, or nullopt.
  std::optional<std::string> Find(const std::string& token) const;
  size_t Size() const;

 private:
  // A digest is uniformly distributed: its first bytes are a good hash.
  struct DigestHash {
    size_t operator()(const Digest& d) const noexcept {
      size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  mutable std::mutex mu_;
  std::unordered_map<Digest, std::string, DigestHash> by_digest_;
};

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_TOKEN_INDEX_H_
