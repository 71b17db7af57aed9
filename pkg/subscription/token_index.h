// File: pkg/subscription/token_index.h
//
// The users by subscription token. Only SHA-256 digests of the tokens are kept: the lookup
// hashes the presented token, finds the bucket by digest and confirms it with CRYPTO_memcmp, so
// neither the map's comparisons nor the final check leak, through their timing, how much of a
// guessed token is right; a miss costs the same hash and lookup as a hit.
//
// Ownership: owns its entries. Thread-safety: Put/Erase/Find are safe concurrently (a mutex);
// the informer's handlers write while request threads read.
#ifndef X3UI_PKG_SUBSCRIPTION_TOKEN_INDEX_H_
#define X3UI_PKG_SUBSCRIPTION_TOKEN_INDEX_H_

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace x3ui::subscription {

using Digest = std::array<unsigned char, 32>;
Digest Sha256(const std::string& s);

class TokenIndex {
 public:
  // The user (a "namespace/assignment" key) whose Secret holds `token`; replaces the token the
  // key had before (a rotated token stops resolving at once).
  void Put(const std::string& key, const std::string& token);
  void Erase(const std::string& key);
  // The key of the user holding `token`, or nullopt.
  std::optional<std::string> Find(const std::string& token) const;

 private:
  mutable std::mutex mu_;
  std::map<Digest, std::string> by_digest_;
  std::map<std::string, Digest> by_key_;
};

}  // namespace x3ui::subscription

#endif  // X3UI_PKG_SUBSCRIPTION_TOKEN_INDEX_H_
