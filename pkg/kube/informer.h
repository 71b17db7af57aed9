// File: pkg/kube/informer.h
//
// Informer: keeps an in-memory copy of one resource and tells handlers what changed (client-go's
// reflector and store). It lists (paged consistent reads, each page packed as it arrives), then
// watches from the list's resourceVersion with bookmarks and a random timeout in [300, 600) s, advancing on every event. A watch that ends is resumed from the last version;
// an ERROR 410 (Expired) leads to a relist whose differences reach the handlers as adds,
// updates and deletes, so nothing is lost and nothing is applied twice. Connection failures back
// off 800 ms doubling to 30 s, with jitter, reset after 2 minutes of health.
//
// Handlers run on the informer's thread, in order; they should only enqueue work.
//
// Thread-safety: cache reads (Get, List, ByIndex) may be called from any thread.
#ifndef X3UI_PKG_KUBE_INFORMER_H_
#define X3UI_PKG_KUBE_INFORMER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pkg/kube/client.h"
#include "pkg/kube/object_key.h"

namespace x3ui::kube {

struct InformerHandlers {
  std::function<void(const Json& obj)> on_add;
  std::function<void(const Json& old_obj, const Json& new_obj)> on_update;
  std::function<void(const Json& obj)> on_delete;
};

struct InformerOptions {
  std::string ns;              // empty: all namespaces
  std::string label_selector;
  int64_t page_size = 500;
  int min_watch_seconds = 300;  // each watch asks for a timeout in [min, max)
  int max_watch_seconds = 600;
  std::chrono::milliseconds initial_backoff{800};
  std::chrono::milliseconds max_backoff{30000};
  // Applied to every object before it is cached (e.g. drop metadata.managedFields to save memory).
  std::function<void(Json*)> transform;
  // Called with each failed list or watch before the informer backs off and retries (a
  // permission error, say); optional. The caller decides how to log it.
  std::function<void(const Status&)> on_error;
};

// The two options every informer of this project sets: a transform dropping
// metadata.managedFields (the bulk of an object's size, never read), and an on_error writing one
// error line naming the kind, so a missing permission says "cannot list resource ..." instead of
// an informer that silently never syncs.
void DropManagedFields(Json* object);
std::function<void(const Status&)> LogListWatchErrors(std::string kind);

class Informer {
 public:
  using IndexFunc = std::function<std::vector<std::string>(const Json&)>;

  // `client` is borrowed and must outlive the informer.
  Informer(KubeClient* client, Resource resource, InformerOptions options);
  ~Informer();  // Stop()

  // Before Start only.
  void AddHandlers(InformerHandlers h);
  void AddIndex(const std::string& name, IndexFunc fn);

  void Start();
  void Stop();
  // True once the first list has been applied and handed to the handlers.
  bool HasSynced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // Cache reads, keyed "namespace/name" (or "name" for cluster-scoped objects).
  std::optional<Json> Get(const std::string& key) const;
  std::vector<Json> List() const;
  std::vector<Json> ByIndex(const std::string& index, const std::string& value) const;
  // The keys ByIndex would return the objects of (nothing is parsed).
  std::vector<std::string> KeysByIndex(const std::string& index, const std::string& value) const;
  // How many cached objects each value of index `index` holds (values with none are absent).
  std::map<std::string, size_t> IndexCounts(const std::string& index) const;
  size_t Size() const;
  std::string LastResourceVersion() const;
  int64_t relists() const { return relists_; }

  static std::string KeyOf(const Json& obj);  // ObjectKey::Of(obj).String()

 private:
  void Run();
  // Lists and replaces the cache; OK when synced.
  Status Relist(const std::string& resource_version);
  // Watches until the watch ends (OK), a 410 (FailedPrecondition/Expired) or an error.
  Status WatchOnce();
  void Upsert(Json obj);   // from a watch event
  void Remove(const Json& obj);
  // Calls one handler inside an exception boundary (`event`: add, update or delete, for the log).
  void Deliver(const char* event, const std::function<void()>& call) const;
  void IndexLocked(const std::string& key, const Json& obj, bool add);  // REQUIRES: mu_
  void SleepInterruptible(std::chrono::milliseconds d);

  KubeClient* client_;
  const Resource resource_;
  const InformerOptions options_;
  std::vector<InformerHandlers> handlers_;
  std::map<std::string, IndexFunc> index_funcs_;

  // A cached object, kept as MessagePack: about a fifth of a parsed Json's memory, which is what
  // lets 100,000 objects fit the operator's budget; reads parse it again (microseconds).
  struct Stored {
    std::vector<std::uint8_t> packed;
    std::string rv;  // metadata.resourceVersion, to compare without parsing
  };
  static Stored Pack(const Json& obj);
  static Json Unpack(const Stored& s);

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, Stored> cache_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_;  // index -> value -> keys
  std::string last_rv_;
  bool synced_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> relists_{0};
  std::thread thread_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace x3ui::kube

#endif  // X3UI_PKG_KUBE_INFORMER_H_
