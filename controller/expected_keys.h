// File: controller/expected_keys.h
//
// ExpectedKeys: for each owned client, a fingerprint of the keys it must carry (id, password,
// subId: what only the user's credentials Secret can tell). The assignment reconciler records
// it whenever it works out a user's clients; the node reconciler's drift diff compares the
// panel's clients with it on every probe, so that a UUID or password changed by hand on the
// panel is found within a probe without the prober reading any Secret. A client whose
// fingerprint is not known yet (before its user's first pass in this process) is judged on its
// other fields only. Fingerprints are 64-bit hashes kept in memory only: never logged, written
// or exported.
//
// Thread-safety: every method may be called from any thread (one internal mutex).
#ifndef X3UI_CONTROLLER_EXPECTED_KEYS_H_
#define X3UI_CONTROLLER_EXPECTED_KEYS_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pkg/common/mutex.h"

namespace x3ui::controller {

class ExpectedKeys {
 public:
  // Records that assignment `user` ("ns/name") must hold keys `fingerprint` on inbound `inbound`.
  void Set(const std::string& user, const std::string& inbound, uint64_t fingerprint);
  std::optional<uint64_t> Get(const std::string& user, const std::string& inbound) const;
  // The assignment is gone: its clients have no expected keys any more.
  void Forget(const std::string& user);

 private:
  mutable Mutex mu_;
  // user -> (inbound name, fingerprint); a user has one entry per inbound, usually one or two.
  std::unordered_map<std::string, std::vector<std::pair<std::string, uint64_t>>> keys_ GUARDED_BY(mu_);
};

}  // namespace x3ui::controller

#endif  // X3UI_CONTROLLER_EXPECTED_KEYS_H_
