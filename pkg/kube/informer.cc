#include "pkg/kube/informer.h"

#include <malloc.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "pkg/common/json_parse.h"
#include "pkg/common/text.h"

namespace x3ui::kube {
namespace {

std::string Rv(const Json& o) {
  return o.contains("metadata") && o["metadata"].is_object() ? o["metadata"].value("resourceVersion", "") : "";
}

}  // namespace

Informer::Stored Informer::Pack(const Json& obj) {
  Stored s{Json::to_msgpack(obj), Rv(obj)};
  // The packing grows its vector by doubling: up to half of it is spare capacity, kept per object.
  s.packed.shrink_to_fit();
  return s;
}

Json Informer::Unpack(const Stored& s) { return Json::from_msgpack(s.packed); }

std::string Informer::KeyOf(const Json& obj) { return ObjectKey::Of(obj).String(); }

Informer::Informer(KubeClient* client, Resource resource, InformerOptions options)
    : client_(client), resource_(std::move(resource)), options_(std::move(options)) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(InformerHandlers h) { handlers_.push_back(std::move(h)); }

void Informer::Deliver(const char* event, const std::function<void()>& call) const {
  // The exception boundary of a handler: one that throws (a bug, an object of an unexpected
  // shape) is logged and skipped; the cache, the other handlers and the watch go on.
  try {
    call();
  } catch (const std::exception& e) {
    spdlog::error("informer {} handler for {} threw: {}", event, resource_.plural, e.what());
  } catch (...) {
    spdlog::error("informer {} handler for {} threw a non-standard exception", event, resource_.plural);
  }
}
void Informer::AddIndex(const std::string& name, IndexFunc fn) { index_funcs_[name] = std::move(fn); }

void Informer::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard<std::mutex> l(mu_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] { return synced_; });
}

std::optional<Json> Informer::Get(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return Unpack(it->second);
}

std::vector<Json> Informer::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(Unpack(v));
  return out;
}

std::vector<Json> Informer::ByIndex(const std::string& index, const std::string& value) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> out;
  auto i = indexes_.find(index);
  if (i == indexes_.end()) return out;
  auto v = i->second.find(value);
  if (v == i->second.end()) return out;
  for (const auto& key : v->second) {
    auto it = cache_.find(key);
    if (it != cache_.end()) out.push_back(Unpack(it->second));
  }
  return out;
}

std::vector<std::string> Informer::KeysByIndex(const std::string& index, const std::string& value) const {
  std::lock_guard<std::mutex> l(mu_);
  auto i = indexes_.find(index);
  if (i == indexes_.end()) return {};
  auto v = i->second.find(value);
  if (v == i->second.end()) return {};
  return std::vector<std::string>(v->second.begin(), v->second.end());
}

std::map<std::string, size_t> Informer::IndexCounts(const std::string& index) const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, size_t> out;
  auto i = indexes_.find(index);
  if (i == indexes_.end()) return out;
  for (const auto& [value, keys] : i->second) {
    if (!keys.empty()) out[value] = keys.size();
  }
  return out;
}

size_t Informer::Size() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_.size();
}

std::string Informer::LastResourceVersion() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_rv_;
}

void Informer::IndexLocked(const std::string& key, const Json& obj, bool add) {
  for (const auto& [name, fn] : index_funcs_) {
    for (const auto& value : fn(obj)) {
      auto& keys = indexes_[name][value];
      if (add) {
        keys.insert(key);
      } else {
        keys.erase(key);
        if (keys.empty()) indexes_[name].erase(value);
      }
    }
  }
}

void Informer::SleepInterruptible(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, d, [this] { return stop_.load(); });
}

Status Informer::Relist(const std::string& resource_version) {
  // Page by page, each packed as it comes: the whole list is never held parsed at once.
  ListOptions opts{.label_selector = options_.label_selector, .resource_version = resource_version,
                   .limit = options_.page_size};
  std::map<std::string, Stored> fresh;
  Result<std::string> list_rv = ListPages(*client_, resource_, options_.ns, opts, [&](ObjectList& page) {
    for (auto& item : page.items) {
      if (options_.transform) options_.transform(&item);
      fresh[KeyOf(item)] = Pack(item);
    }
  });
  if (!list_rv.ok()) return list_rv.status();
  ++relists_;
  // Replace the cache, then tell the handlers what differs from what they saw.
  std::vector<std::pair<Stored, std::string>> updates;  // the old object, its key
  std::vector<Stored> deletes;
  std::vector<const Stored*> adds;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, old] : cache_) {
      auto it = fresh.find(key);
      if (it == fresh.end()) {
        deletes.push_back(old);
      } else if (old.rv != it->second.rv) {
        updates.emplace_back(old, key);
      }
    }
    for (const auto& [key, old] : cache_) IndexLocked(key, Unpack(old), false);
    std::map<std::string, Stored> previous = std::move(cache_);
    cache_ = std::move(fresh);
    for (const auto& [key, obj] : cache_) {
      IndexLocked(key, Unpack(obj), true);
      if (!previous.count(key)) adds.push_back(&obj);
    }
    last_rv_ = *list_rv;
  }
  // (The handlers run on this thread, the only writer of cache_, so the pointers stay valid.)
  for (const auto& h : handlers_) {
    for (const auto& o : deletes) {
      if (h.on_delete) Deliver("delete", [&] { h.on_delete(Unpack(o)); });
    }
    for (const auto& [o, key] : updates) {
      if (h.on_update) Deliver("update", [&] { h.on_update(Unpack(o), Unpack(cache_.at(key))); });
    }
    for (const Stored* o : adds) {
      if (h.on_add) Deliver("add", [&] { h.on_add(Unpack(*o)); });
    }
  }
  {
    // Synced means the handlers have seen the first list, as client-go's HasSynced does.
    std::lock_guard<std::mutex> l(mu_);
    synced_ = true;
  }
  cv_.notify_all();
  ::malloc_trim(0);  // the pages' parsed copies are gone: give their memory back
  return Status::Ok();
}

void Informer::Upsert(Json obj) {
  if (options_.transform) options_.transform(&obj);
  std::string key = KeyOf(obj);
  std::optional<Json> old;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      old = Unpack(it->second);
      IndexLocked(key, *old, false);
    }
    cache_[key] = Pack(obj);
    IndexLocked(key, obj, true);
    last_rv_ = Rv(obj);
  }
  for (const auto& h : handlers_) {
    if (old && h.on_update) Deliver("update", [&] { h.on_update(*old, obj); });
    if (!old && h.on_add) Deliver("add", [&] { h.on_add(obj); });
  }
}

void Informer::Remove(const Json& obj) {
  std::string key = KeyOf(obj);
  bool had = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      IndexLocked(key, Unpack(it->second), false);
      cache_.erase(it);
      had = true;
    }
    last_rv_ = Rv(obj);
  }
  if (!had) return;
  for (const auto& h : handlers_) {
    if (h.on_delete) Deliver("delete", [&] { h.on_delete(obj); });
  }
}

Status Informer::WatchOnce() {
  WatchOptions w;
  w.resource_version = LastResourceVersion();
  w.label_selector = options_.label_selector;
  w.allow_bookmarks = true;
  w.timeout_seconds = options_.min_watch_seconds +
                      static_cast<int>(rng_() % std::max(1, options_.max_watch_seconds - options_.min_watch_seconds));
  Status result;
  Status s = client_->Watch(
      resource_, options_.ns, w,
      [&](const WatchEvent& e) {
        if (e.type == "ADDED" || e.type == "MODIFIED") {
          Upsert(e.object);
        } else if (e.type == "DELETED") {
          Remove(e.object);
        } else if (e.type == "BOOKMARK") {
          std::lock_guard<std::mutex> l(mu_);
          last_rv_ = Rv(e.object);
        } else if (e.type == "ERROR") {
          int code = e.object.value("code", 0);
          result = code == 410 ? Status::FailedPrecondition(e.object.value("message", "expired")).WithReason("Expired")
                               : Status::Unavailable("watch error: " + CleanForeignText(e.object.value("message", DumpJson(e.object))));
          return false;
        }
        return !stop_.load();
      },
      &stop_);
  if (!s.ok()) return s;
  return result;
}

void Informer::Run() {
  auto backoff = options_.initial_backoff;
  auto healthy_since = std::chrono::steady_clock::now();
  bool need_list = true;
  // Consistent, paged reads: a list at resourceVersion 0 comes from the API server's watch cache
  // in one piece whatever the page size, which with 100,000 objects costs hundreds of MB at once.
  std::string list_rv;
  while (!stop_.load()) {
    Status s = need_list ? Relist(list_rv) : Status::Ok();
    if (s.ok()) {
      need_list = false;
      s = WatchOnce();
    }
    if (stop_.load()) return;
    if (s.ok()) continue;  // the watch timed out: resume from the last version
    if (s.reason() == "Expired") {
      need_list = true;
      continue;
    }
    // A failure: report it, back off (with jitter), then resume.
    if (options_.on_error) options_.on_error(s);
    if (std::chrono::steady_clock::now() - healthy_since > std::chrono::minutes(2)) backoff = options_.initial_backoff;
    auto jittered = backoff + std::chrono::milliseconds(rng_() % std::max<int64_t>(1, backoff.count()));
    SleepInterruptible(jittered);
    backoff = std::min(backoff * 2, options_.max_backoff);
    healthy_since = std::chrono::steady_clock::now();
  }
}

void DropManagedFields(Json* object) {
  if (object->contains("metadata") && (*object)["metadata"].is_object()) (*object)["metadata"].erase("managedFields");
}

std::function<void(const Status&)> LogListWatchErrors(std::string kind) {
  return [kind = std::move(kind)](const Status& s) {
    spdlog::error("listing/watching {} failed, retrying with backoff: {}", kind, s.ToString());
  };
}

}  // namespace x3ui::kube
