#include "pkg/kube/informer.h"

#include <algorithm>

namespace x3ui::kube {
namespace {

std::string Rv(const Json& o) {
  return o.contains("metadata") && o["metadata"].is_object() ? o["metadata"].value("resourceVersion", "") : "";
}

}  // namespace

std::string Informer::KeyOf(const Json& obj) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  const Json& m = obj["metadata"];
  std::string ns = m.value("namespace", "");
  std::string name = m.value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

Informer::Informer(KubeClient* client, Resource resource, InformerOptions options)
    : client_(client), resource_(std::move(resource)), options_(std::move(options)) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(InformerHandlers h) { handlers_.push_back(std::move(h)); }
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
  return it->second;
}

std::vector<Json> Informer::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
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
    if (it != cache_.end()) out.push_back(it->second);
  }
  return out;
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
  ListOptions opts{.label_selector = options_.label_selector, .resource_version = resource_version,
                   .limit = options_.page_size};
  Result<ObjectList> list = ListAll(*client_, resource_, options_.ns, opts);
  if (!list.ok()) return list.status();
  ++relists_;
  std::map<std::string, Json> fresh;
  for (auto& item : list->items) {
    if (options_.transform) options_.transform(&item);
    std::string key = KeyOf(item);
    fresh[key] = std::move(item);
  }
  // Replace the cache, then tell the handlers what differs from what they saw.
  std::vector<std::pair<Json, Json>> updates;
  std::vector<Json> adds, deletes;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, old] : cache_) {
      auto it = fresh.find(key);
      if (it == fresh.end()) {
        deletes.push_back(old);
      } else if (Rv(old) != Rv(it->second)) {
        updates.emplace_back(old, it->second);
      }
    }
    for (const auto& [key, obj] : fresh) {
      if (!cache_.count(key)) adds.push_back(obj);
    }
    for (const auto& [key, old] : cache_) IndexLocked(key, old, false);
    cache_ = std::move(fresh);
    for (const auto& [key, obj] : cache_) IndexLocked(key, obj, true);
    last_rv_ = list->resource_version;
  }
  for (const auto& h : handlers_) {
    for (const auto& o : deletes) {
      if (h.on_delete) h.on_delete(o);
    }
    for (const auto& [o, n] : updates) {
      if (h.on_update) h.on_update(o, n);
    }
    for (const auto& o : adds) {
      if (h.on_add) h.on_add(o);
    }
  }
  {
    // Synced means the handlers have seen the first list, as client-go's HasSynced does.
    std::lock_guard<std::mutex> l(mu_);
    synced_ = true;
  }
  cv_.notify_all();
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
      old = it->second;
      IndexLocked(key, it->second, false);
    }
    cache_[key] = obj;
    IndexLocked(key, obj, true);
    last_rv_ = Rv(obj);
  }
  for (const auto& h : handlers_) {
    if (old && h.on_update) h.on_update(*old, obj);
    if (!old && h.on_add) h.on_add(obj);
  }
}

void Informer::Remove(const Json& obj) {
  std::string key = KeyOf(obj);
  bool had = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      IndexLocked(key, it->second, false);
      cache_.erase(it);
      had = true;
    }
    last_rv_ = Rv(obj);
  }
  if (!had) return;
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(obj);
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
                               : Status::Unavailable("watch error: " + e.object.value("message", e.object.dump()));
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
  std::string list_rv = "0";  // first list from the cache; consistent reads after a 410
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
      list_rv = "";
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

}  // namespace x3ui::kube
