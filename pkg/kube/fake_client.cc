#include "pkg/kube/fake_client.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pkg/api/manifest.h"

namespace x3ui::kube {
namespace {

std::string Name(const Json& obj) {
  return obj.is_object() && obj.contains("metadata") && obj["metadata"].is_object() ? obj["metadata"].value("name", "")
                                                                                    : "";
}

std::string Rv(const Json& obj) {
  return obj.contains("metadata") && obj["metadata"].is_object() ? obj["metadata"].value("resourceVersion", "") : "";
}

std::string What(const Resource& r, const std::string& name) {
  return r.group.empty() ? r.plural + " \"" + name + "\"" : r.plural + "." + r.group + " \"" + name + "\"";
}

Json StatusObject(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"},
          {"message", message}, {"reason", reason},  {"code", code}};
}

Status ApiError(int code, const std::string& reason, const std::string& message) {
  return StatusFromApi(code, StatusObject(code, reason, message), "fake");
}

Status Modified(const std::string& what) {
  return ApiError(409, "Conflict", "Operation cannot be fulfilled on " + what +
                                       ": the object has been modified; please apply your changes to the latest version and try again");
}

// Everything but metadata and status: what bumps generation.
Json SpecPart(Json o) {
  if (o.is_object()) {
    o.erase("metadata");
    o.erase("status");
  }
  return o;
}

// The object as stored, minus what a no-op write would change anyway.
Json Comparable(Json o) {
  if (o.contains("metadata") && o["metadata"].is_object()) {
    o["metadata"].erase("resourceVersion");
    o["metadata"].erase("managedFields");
  }
  return o;
}

std::vector<std::string> Finalizers(const Json& o) {
  std::vector<std::string> out;
  if (!o.contains("metadata")) return out;
  for (const auto& f : o["metadata"].value("finalizers", Json::array())) {
    if (f.is_string()) out.push_back(f.get<std::string>());
  }
  return out;
}

bool Deleting(const Json& o) {
  return o.contains("metadata") && o["metadata"].contains("deletionTimestamp") &&
         !o["metadata"]["deletionTimestamp"].is_null();
}

std::string Trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

Json MergePatch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json out = target.is_object() ? target : Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.value().is_null()) {
      out.erase(it.key());
    } else {
      out[it.key()] = MergePatch(out.contains(it.key()) ? out[it.key()] : Json(), it.value());
    }
  }
  return out;
}

Result<Json> JsonPatch(const Json& target, const Json& ops) {
  try {
    return target.patch(ops);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("the JSON patch does not apply: ") + e.what());
  }
}

Result<bool> SelectorMatches(const std::string& selector, const Json& labels) {
  auto label = [&](const std::string& k) -> const Json* {
    if (!labels.is_object() || !labels.contains(k)) return nullptr;
    return &labels[k];
  };
  // Split on commas outside parentheses.
  std::vector<std::string> terms;
  std::string cur;
  int depth = 0;
  for (char c : selector) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty() || !terms.empty()) terms.push_back(cur);
  for (std::string t : terms) {
    t = Trim(t);
    if (t.empty()) return Status::InvalidArgument("empty term in label selector \"" + selector + "\"");
    size_t p;
    if ((p = t.find(" notin ")) != std::string::npos || (p = t.find(" in ")) != std::string::npos) {
      bool notin = t.compare(p, 7, " notin ") == 0;
      std::string key = Trim(t.substr(0, p));
      std::string rest = Trim(t.substr(p + (notin ? 7 : 4)));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
        return Status::InvalidArgument("malformed set in label selector \"" + selector + "\"");
      }
      std::set<std::string> values;
      std::stringstream ss(rest.substr(1, rest.size() - 2));
      std::string v;
      while (std::getline(ss, v, ',')) values.insert(Trim(v));
      const Json* l = label(key);
      bool in = l != nullptr && l->is_string() && values.count(l->get<std::string>());
      if (in == notin) return false;
    } else if ((p = t.find("!=")) != std::string::npos) {
      const Json* l = label(Trim(t.substr(0, p)));
      if (l != nullptr && l->is_string() && l->get<std::string>() == Trim(t.substr(p + 2))) return false;
    } else if ((p = t.find('=')) != std::string::npos) {
      size_t vpos = (t.compare(p, 2, "==") == 0) ? p + 2 : p + 1;
      const Json* l = label(Trim(t.substr(0, p)));
      if (l == nullptr || !l->is_string() || l->get<std::string>() != Trim(t.substr(vpos))) return false;
    } else if (t[0] == '!') {
      if (label(Trim(t.substr(1))) != nullptr) return false;
    } else {
      if (label(t) == nullptr) return false;
    }
  }
  return true;
}

void ApplyDefaults(const Json& schema, Json* obj) {
  if (!schema.is_object()) return;
  if (obj->is_object() && schema.contains("properties")) {
    for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) {
      if (!obj->contains(it.key())) {
        if (it.value().contains("default")) (*obj)[it.key()] = it.value()["default"];
        continue;
      }
      ApplyDefaults(it.value(), &(*obj)[it.key()]);
    }
  } else if (obj->is_array() && schema.contains("items")) {
    for (auto& e : *obj) ApplyDefaults(schema["items"], &e);
  }
}

Status FakeKubeClient::LoadCrdDefaults(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    Result<std::vector<Json>> docs = api::YamlToJsonDocuments(ss.str(), e.path().string());
    if (!docs.ok()) return docs.status();
    for (const auto& crd : *docs) {
      if (!crd.is_object() || crd.value("kind", "") != "CustomResourceDefinition") continue;
      const Json& spec = crd["spec"];
      std::string kind = spec["names"].value("plural", "") + "." + spec.value("group", "");
      std::lock_guard<std::mutex> l(mu_);
      schemas_[kind] = spec["versions"][0]["schema"]["openAPIV3Schema"];
    }
  }
  return ec ? Status::NotFound(dir + ": " + ec.message()) : Status::Ok();
}

FakeKubeClient::FakeKubeClient(const Clock* clock)
    : clock_(clock),
      status_kinds_{Kind(kVpnNodes), Kind(kVpnAssignments), Kind(kVpnMigrations)} {}

int64_t FakeKubeClient::writes() const {
  std::lock_guard<std::mutex> l(mu_);
  return writes_;
}

void FakeKubeClient::Compact() {
  std::lock_guard<std::mutex> l(mu_);
  history_.clear();
  oldest_rv_ = rv_;
}

void FakeKubeClient::DisableResource(const Resource& r) {
  std::lock_guard<std::mutex> l(mu_);
  disabled_.insert(Kind(r));
}

void FakeKubeClient::SetWatchesBroken(bool broken) {
  std::lock_guard<std::mutex> l(mu_);
  watches_broken_ = broken;
  if (broken) ++break_epoch_;
  changed_.notify_all();
}

void FakeKubeClient::Emit(const Resource& r, const std::string& ns, const std::string& type, const Json& obj) {
  history_.push_back(Event{rv_, type, Kind(r), ns, obj});
  if (history_.size() > 10000) {
    history_.pop_front();
    oldest_rv_ = history_.front().rv - 1;
  }
  changed_.notify_all();
}

Json* FakeKubeClient::FindLocked(const Resource& r, const std::string& ns, const std::string& name) {
  auto& objs = objects_[Kind(r)];
  auto it = objs.find({r.namespaced ? ns : "", name});
  return it == objs.end() ? nullptr : &it->second;
}

Result<Json> FakeKubeClient::Get(const Resource& r, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  Json* cur = FindLocked(r, ns, name);
  if (cur == nullptr) return ApiError(404, "NotFound", What(r, name) + " not found");
  return *cur;
}

Result<ObjectList> FakeKubeClient::List(const Resource& r, const std::string& ns, const ListOptions& opts) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> matching;
  for (const auto& [key, obj] : objects_[Kind(r)]) {
    if (r.namespaced && !ns.empty() && key.first != ns) continue;
    if (!opts.label_selector.empty()) {
      Result<bool> m = SelectorMatches(opts.label_selector, obj["metadata"].value("labels", Json::object()));
      if (!m.ok()) return ApiError(400, "BadRequest", m.status().message());
      if (!*m) continue;
    }
    matching.push_back(obj);
  }
  size_t offset = opts.continue_token.empty() ? 0 : std::stoul(opts.continue_token);
  ObjectList out;
  out.resource_version = std::to_string(rv_);
  size_t end = opts.limit > 0 ? std::min(matching.size(), offset + static_cast<size_t>(opts.limit)) : matching.size();
  for (size_t i = offset; i < end; ++i) out.items.push_back(matching[i]);
  if (end < matching.size()) out.continue_token = std::to_string(end);
  return out;
}

Result<Json> FakeKubeClient::Create(const Resource& r, const std::string& ns, const Json& in) {
  std::lock_guard<std::mutex> l(mu_);
  if (disabled_.count(Kind(r))) return ApiError(404, "NotFound", "the server could not find the requested resource");
  Json obj = in;
  Json& meta = obj["metadata"];
  std::string name = meta.value("name", "");
  if (name.empty() && meta.contains("generateName")) name = meta["generateName"].get<std::string>() + std::to_string(++uid_);
  if (name.empty()) return ApiError(422, "Invalid", "metadata.name: Required value");
  auto& objs = objects_[Kind(r)];
  Key key{r.namespaced ? ns : "", name};
  if (objs.count(key)) return ApiError(409, "AlreadyExists", What(r, name) + " already exists");
  meta["name"] = name;
  if (r.namespaced) meta["namespace"] = ns;
  meta["uid"] = "fake-uid-" + std::to_string(++uid_);
  meta["creationTimestamp"] = FormatRfc3339(clock_->Now());
  meta["resourceVersion"] = std::to_string(++rv_);
  meta.erase("deletionTimestamp");
  if (HasStatus(r)) {
    meta["generation"] = 1;
    obj.erase("status");  // the main endpoint of a resource with a status subresource ignores status
  }
  obj["apiVersion"] = r.api_version();
  obj["kind"] = r.kind;
  if (auto sc = schemas_.find(Kind(r)); sc != schemas_.end()) ApplyDefaults(sc->second, &obj);
  objs[key] = obj;
  ++writes_;
  Emit(r, ns, "ADDED", obj);
  return obj;
}

Result<Json> FakeKubeClient::Store(const Resource& r, const std::string& ns, const Json& old, Json next) {
  Json& meta = next["metadata"];
  const Json& old_meta = old["metadata"];
  for (const char* k : {"uid", "creationTimestamp", "namespace", "name", "generation", "deletionTimestamp",
                        "deletionGracePeriodSeconds"}) {
    if (old_meta.contains(k)) {
      meta[k] = old_meta[k];
    } else {
      meta.erase(k);
    }
  }
  next["apiVersion"] = r.api_version();
  next["kind"] = r.kind;
  if (auto sc = schemas_.find(Kind(r)); sc != schemas_.end()) ApplyDefaults(sc->second, &next);
  if (Deleting(old)) {
    for (const auto& f : Finalizers(next)) {
      auto had = Finalizers(old);
      if (std::find(had.begin(), had.end(), f) == had.end()) {
        return ApiError(422, "Invalid", "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted");
      }
    }
  }
  if (HasStatus(r) && SpecPart(next) != SpecPart(old)) meta["generation"] = old_meta.value("generation", 0) + 1;
  if (Comparable(next) == Comparable(old)) return old;  // a no-op write is not stored
  Key key{r.namespaced ? ns : "", Name(old)};
  meta["resourceVersion"] = std::to_string(++rv_);
  ++writes_;
  if (Deleting(next) && Finalizers(next).empty()) {
    objects_[Kind(r)].erase(key);
    Emit(r, ns, "DELETED", next);
    return next;
  }
  objects_[Kind(r)][key] = next;
  Emit(r, ns, "MODIFIED", next);
  return next;
}

Result<Json> FakeKubeClient::Update(const Resource& r, const std::string& ns, const Json& obj) {
  std::lock_guard<std::mutex> l(mu_);
  std::string name = Name(obj);
  Json* cur = FindLocked(r, ns, name);
  if (cur == nullptr) return ApiError(404, "NotFound", What(r, name) + " not found");
  std::string rv = Rv(obj);
  if (rv.empty()) {
    return ApiError(422, "Invalid", What(r, name) + " is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
  }
  if (rv != Rv(*cur)) return Modified(What(r, name));
  Json next = obj;
  if (HasStatus(r)) {
    if (cur->contains("status")) {
      next["status"] = (*cur)["status"];
    } else {
      next.erase("status");
    }
  }
  return Store(r, ns, *cur, std::move(next));
}

Result<Json> FakeKubeClient::UpdateStatus(const Resource& r, const std::string& ns, const Json& obj) {
  std::lock_guard<std::mutex> l(mu_);
  std::string name = Name(obj);
  Json* cur = FindLocked(r, ns, name);
  if (cur == nullptr) return ApiError(404, "NotFound", What(r, name) + " not found");
  std::string rv = Rv(obj);
  if (!rv.empty() && rv != Rv(*cur)) return Modified(What(r, name));
  Json next = *cur;  // /status takes only status
  if (obj.contains("status")) {
    next["status"] = obj["status"];
  } else {
    next.erase("status");
  }
  return Store(r, ns, *cur, std::move(next));
}

Result<Json> FakeKubeClient::Patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                                   const Json& patch, bool status_subresource) {
  std::lock_guard<std::mutex> l(mu_);
  Json* found = FindLocked(r, ns, name);
  if (found == nullptr) return ApiError(404, "NotFound", What(r, name) + " not found");
  const Json& cur = *found;
  Json patched;
  if (type == PatchType::kMerge) {
    // A resourceVersion in a merge patch is an optimistic lock.
    if (patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object() &&
        patch["metadata"].contains("resourceVersion") && patch["metadata"]["resourceVersion"] != Rv(cur)) {
      return Modified(What(r, name));
    }
    patched = MergePatch(cur, patch);
  } else {
    Result<Json> p = JsonPatch(cur, patch);
    if (!p.ok()) return ApiError(422, "Invalid", p.status().message());
    patched = std::move(p).value();
  }
  Json next = cur;
  if (status_subresource) {
    if (patched.contains("status")) next["status"] = patched["status"];
  } else {
    next = patched;
    if (HasStatus(r)) {
      if (cur.contains("status")) {
        next["status"] = cur["status"];
      } else {
        next.erase("status");
      }
    }
  }
  return Store(r, ns, cur, std::move(next));
}

Status FakeKubeClient::Delete(const Resource& r, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  auto& objs = objects_[Kind(r)];
  Key key{r.namespaced ? ns : "", name};
  auto it = objs.find(key);
  if (it == objs.end()) return ApiError(404, "NotFound", What(r, name) + " not found");
  Json obj = it->second;
  if (!Finalizers(obj).empty()) {
    if (Deleting(obj)) return Status::Ok();
    obj["metadata"]["deletionTimestamp"] = FormatRfc3339(clock_->Now());
    obj["metadata"]["deletionGracePeriodSeconds"] = 0;
    obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
    it->second = obj;
    ++writes_;
    Emit(r, ns, "MODIFIED", obj);
    return Status::Ok();
  }
  objs.erase(it);
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  ++writes_;
  Emit(r, ns, "DELETED", obj);
  return Status::Ok();
}

Status FakeKubeClient::Watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                             const std::function<bool(const WatchEvent&)>& on_event, const std::atomic<bool>* stop) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts.timeout_seconds);
  auto matches = [&](const std::string& ens, const Json& obj) -> bool {
    if (r.namespaced && !ns.empty() && ens != ns) return false;
    if (opts.label_selector.empty()) return true;
    Result<bool> m = SelectorMatches(opts.label_selector, obj["metadata"].value("labels", Json::object()));
    return m.ok() && *m;
  };
  std::vector<WatchEvent> batch;
  int64_t last, epoch;
  auto expired = [&](int64_t from) {
    std::string msg = "too old resource version: " + std::to_string(from) + " (" + std::to_string(oldest_rv_) + ")";
    return WatchEvent{"ERROR", StatusObject(410, "Expired", msg)};
  };
  {
    std::lock_guard<std::mutex> l(mu_);
    if (watches_broken_) return Status::Unavailable("fake: the API server is unreachable");
    epoch = break_epoch_;
    if (opts.resource_version.empty() || opts.resource_version == "0") {
      for (const auto& [key, obj] : objects_[Kind(r)]) {
        if (matches(key.first, obj)) batch.push_back({"ADDED", obj});
      }
      last = rv_;
    } else {
      last = std::stoll(opts.resource_version);
      if (last < oldest_rv_) {
        batch.push_back(expired(last));
        last = INT64_MAX;
      }
    }
  }
  while (true) {
    for (const auto& e : batch) {
      if (!on_event(e)) return Status::Ok();
    }
    batch.clear();
    if (last == INT64_MAX) return Status::Ok();
    std::unique_lock<std::mutex> l(mu_);
    changed_.wait_for(l, std::chrono::milliseconds(50), [&] { return rv_ > last || break_epoch_ != epoch; });
    if (break_epoch_ != epoch) return Status::Unavailable("fake: connection to the API server lost");
    if ((stop != nullptr && stop->load()) || std::chrono::steady_clock::now() > deadline) return Status::Ok();
    if (last < oldest_rv_ && rv_ > last) {  // history this watcher had not seen was compacted
      batch.push_back(expired(last));
      last = INT64_MAX;
      continue;
    }
    for (const auto& e : history_) {
      if (e.rv <= last || e.resource != Kind(r) || !matches(e.ns, e.object)) continue;
      batch.push_back({e.type, e.object});
    }
    last = rv_;
  }
}

}  // namespace x3ui::kube
