// File: pkg/kube/fake_client.h
//
// FakeKubeClient: an in-memory KubeClient for the reconcilers' unit tests, honest about what
// the operator relies on (operator-conventions.md §2): one resourceVersion counter rising on
// every write, no-op writes not stored, generation bumped by changes outside metadata and
// status, the status subresource (the main endpoint keeps status, /status takes only status),
// 422 for a PUT without resourceVersion and 409 for a stale one, AlreadyExists, finalizers and
// deletionTimestamp, merge and JSON patches, label selectors, paging, and watches with 410 for a
// resourceVersion older than the retained history. The conformance tests run the same table
// against it and a real kube-apiserver.
//
// Thread-safety: all methods may be called concurrently.
#ifndef X3UI_PKG_KUBE_FAKE_CLIENT_H_
#define X3UI_PKG_KUBE_FAKE_CLIENT_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "pkg/common/clock.h"
#include "pkg/kube/client.h"

namespace x3ui::kube {

class FakeKubeClient : public KubeClient {
 public:
  // `clock` is borrowed (creation and deletion timestamps). Resources in `with_status` have a
  // status subresource (the three x3ui.io kinds by default).
  explicit FakeKubeClient(const Clock* clock);

  Result<Json> Get(const Resource& r, const std::string& ns, const std::string& name) override;
  Result<ObjectList> List(const Resource& r, const std::string& ns, const ListOptions& opts) override;
  Result<Json> Create(const Resource& r, const std::string& ns, const Json& obj) override;
  Result<Json> Update(const Resource& r, const std::string& ns, const Json& obj) override;
  Result<Json> UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) override;
  Result<Json> Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                     const Json& patch, bool status_subresource) override;
  Status Delete(const Resource& r, const std::string& ns, const std::string& name) override;
  Status Watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
               const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) override;

  // Applies the `default`s of the CRDs' schemas found in `dir` (*.yaml) on create and update,
  // as the API server does. Returns the first file's error.
  Status LoadCrdDefaults(const std::string& dir);

  // Makes every call on `r` answer 404, as for an API group the server does not serve.
  void DisableResource(const Resource& r);

  // Writes that changed something (creates, updates, patches, deletes), for "no writes" checks.
  int64_t writes() const;
  // Forgets history up to now, so that watches from older versions get 410 (like a compaction).
  void Compact();
  // While true, open watches end and new ones fail with Unavailable, as when the API server is
  // unreachable; writes through this client still work (the test's own changes).
  void SetWatchesBroken(bool broken);

 private:
  struct Event {
    int64_t rv;
    std::string type;
    std::string resource;  // plural.group
    std::string ns;
    Json object;
  };
  using Key = std::pair<std::string, std::string>;  // (namespace, name)

  static std::string Kind(const Resource& r) { return r.plural + "." + r.group; }
  bool HasStatus(const Resource& r) const { return status_kinds_.count(Kind(r)) > 0; }
  // Stores `next` as the new version of an existing object (or deletes it when its finalizers
  // are gone while deleting). REQUIRES: mu_ held.
  Result<Json> Store(const Resource& r, const std::string& ns, const Json& old, Json next);
  void Emit(const Resource& r, const std::string& ns, const std::string& type, const Json& obj);  // REQUIRES: mu_
  // The stored object, or nullptr. REQUIRES: mu_ held.
  Json* FindLocked(const Resource& r, const std::string& ns, const std::string& name);

  const Clock* clock_;
  std::set<std::string> status_kinds_;
  std::set<std::string> disabled_;  // Kind(r) answering 404
  std::map<std::string, Json> schemas_;  // Kind(r) -> openAPIV3Schema
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, std::map<Key, Json>> objects_;  // by Kind(r)
  std::deque<Event> history_;
  int64_t rv_ = 1000;
  int64_t oldest_rv_ = 1000;  // watches from before this get 410
  int64_t writes_ = 0;
  int64_t uid_ = 0;
  bool watches_broken_ = false;
  int64_t break_epoch_ = 0;  // bumped on every break, so each open watch notices it
};

// RFC 7386 merge patch: objects merge, null deletes, everything else (arrays too) replaces.
Json MergePatch(const Json& target, const Json& patch);
// RFC 6902 JSON patch (add, remove, replace, test, move, copy). InvalidArgument when an
// operation does not apply or a test fails.
Result<Json> JsonPatch(const Json& target, const Json& ops);
// Whether `labels` satisfies a label selector string (k=v, k==v, k!=v, k in (a,b), k notin (a),
// k, !k; comma = and). InvalidArgument for a malformed selector.
Result<bool> SelectorMatches(const std::string& selector, const Json& labels);
// Fills absent fields that `schema` (OpenAPI v3) gives a default, recursively.
void ApplyDefaults(const Json& schema, Json* obj);

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_FAKE_CLIENT_H_
