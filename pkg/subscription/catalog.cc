#include "pkg/subscription/catalog.h"

#include <ctime>
#include <initializer_list>

#include "pkg/api/json.h"
#include "pkg/api/types.h"
#include "pkg/common/base64.h"
#include "pkg/subscription/node_links.h"

namespace x3ui::subscription {
namespace {

// By reference: replies are built per request, from objects unpacked per request.
const kube::Json& Part(const kube::Json& obj, const char* key) {
  static const kube::Json kNone = kube::Json::object();
  if (!obj.is_object()) return kNone;
  auto it = obj.find(key);
  return it == obj.end() ? kNone : *it;
}

std::string DataValue(const kube::Json& secret, const char* key) {
  const kube::Json& value = Part(Part(secret, "data"), key);
  return value.is_string() ? Base64Decode(value.get<std::string>()).value_or("") : "";
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// RFC 3339 "2026-01-01T00:00:00Z" to seconds since the epoch; 0 when empty or unreadable.
int64_t UnixOf(const std::string& rfc3339) {
  std::tm tm{};
  if (rfc3339.empty() || !strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::vector<api::InboundEndpoint> EndpointsOf(const kube::Json& node) {
  std::vector<api::InboundEndpoint> out;
  const kube::Json& inbounds = Part(Part(node, "status"), "inbounds");
  if (!inbounds.is_array()) return out;
  for (const kube::Json& j : inbounds) {
    if (Result<api::InboundEndpoint> e = api::DecodeInboundEndpoint(j); e.ok()) out.push_back(*std::move(e));
  }
  return out;
}

std::vector<std::string> StringsOf(const kube::Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const kube::Json& v : list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The informers cache only what a reply reads: every cached object costs memory per user, and
// every request unpacks three. Kept(part, keys) is `part` with only those keys.
kube::Json Kept(const kube::Json& part, std::initializer_list<const char*> keys) {
  kube::Json kept = kube::Json::object();
  if (!part.is_object()) return kept;
  for (const char* k : keys) {
    if (auto it = part.find(k); it != part.end()) kept[k] = *it;
  }
  return kept;
}

// The informer's key and watch position, and (for Secrets) the controller owner's kind and name.
kube::Json ServedMetadata(const kube::Json& obj, bool owner) {
  const kube::Json& meta = Part(obj, "metadata");
  kube::Json kept = Kept(meta, {"name", "namespace", "resourceVersion"});
  const kube::Json& refs = Part(meta, "ownerReferences");
  if (owner && refs.is_array()) {
    kube::Json out = kube::Json::array();
    for (const kube::Json& ref : refs) out.push_back(Kept(ref, {"kind", "name", "controller"}));
    kept["ownerReferences"] = std::move(out);
  }
  return kept;
}

}  // namespace

// Of a credentials Secret: the token, the keys the links are built from, and the links an older
// operator wrote.
void KeepServedSecretFields(kube::Json* secret) {
  *secret = kube::Json{{"metadata", ServedMetadata(*secret, true)},
                       {"data", Kept(Part(*secret, "data"), {"links", "subscriptionToken", "uuid", "password"})}};
}

// Of a VpnNode: its phase and published endpoints.
void KeepServedNodeFields(kube::Json* node) {
  *node = kube::Json{{"metadata", ServedMetadata(*node, false)}, {"status", Kept(Part(*node, "status"), {"phase", "inbounds"})}};
}

// Of a VpnAssignment: what ViewOf reads (its conditions, labels and the rest are dropped).
void KeepServedAssignmentFields(kube::Json* a) {
  *a = kube::Json{{"metadata", ServedMetadata(*a, false)},
                  {"spec", Kept(Part(*a, "spec"), {"enabled", "limits", "inbounds"})},
                  {"status", Kept(Part(*a, "status"), {"nodeName", "phase"})}};
}

std::optional<SecretEntry> EntryOf(const kube::Json& secret) {
  const kube::Json& meta = Part(secret, "metadata");
  std::string owner;
  for (const auto& ref : Part(meta, "ownerReferences")) {
    if (!ref.is_object()) continue;
    if (ref.value("kind", "") == api::kVpnAssignmentKind && ref.value("controller", false)) owner = ref.value("name", "");
  }
  const std::string token = DataValue(secret, "subscriptionToken");
  if (owner.empty() || token.empty()) return std::nullopt;
  return SecretEntry{meta.value("namespace", "") + "/" + owner, token};
}

UserView ViewOf(const kube::Json& assignment, const kube::Json* node, const kube::Json& secret) {
  UserView u;
  const kube::Json& spec = Part(assignment, "spec");
  const kube::Json& status = Part(assignment, "status");
  const kube::Json& limits = Part(spec, "limits");
  const kube::Json& meta = Part(assignment, "metadata");
  u.name = meta.value("name", "");
  u.enabled = spec.value("enabled", true);
  u.node = status.value("nodeName", "");
  u.phase = status.value("phase", "");
  if (node) u.node_phase = Part(*node, "status").value("phase", "");
  u.total_bytes = limits.value("totalBytes", int64_t{0});
  u.ip_limit = limits.value("ipLimit", int64_t{0});
  u.expiry_unix = UnixOf(limits.value("expiryTime", ""));
  // The links follow status.nodeName: built from the node's published endpoints; from the
  // Secret only when the node has none published (a node an older operator probed).
  const std::vector<api::InboundEndpoint> endpoints = node ? EndpointsOf(*node) : std::vector<api::InboundEndpoint>{};
  if (endpoints.empty()) {
    u.links = Lines(DataValue(secret, "links"));
    return u;
  }
  const panel::UserKeys keys{DataValue(secret, "uuid"), DataValue(secret, "password"), ""};
  u.links = LinksOn(meta.value("namespace", ""), u.name, StringsOf(Part(spec, "inbounds")), endpoints, keys);
  return u;
}

Catalog::Catalog(kube::KubeClient* kube, std::vector<std::string> namespaces) {
  if (namespaces.empty()) namespaces.push_back("");
  for (const std::string& ns : namespaces) {
    Served s;
    auto options = [&ns](const kube::Resource& r) {
      return kube::InformerOptions{.ns = ns, .transform = kube::DropManagedFields, .on_error = kube::LogListWatchErrors(r.kind)};
    };
    kube::InformerOptions assignments = options(kube::kVpnAssignments);
    assignments.transform = KeepServedAssignmentFields;
    s.assignments = std::make_unique<kube::Informer>(kube, kube::kVpnAssignments, std::move(assignments));
    kube::InformerOptions nodes = options(kube::kVpnNodes);
    nodes.transform = KeepServedNodeFields;
    s.nodes = std::make_unique<kube::Informer>(kube, kube::kVpnNodes, std::move(nodes));
    kube::InformerOptions secrets = options(kube::kSecrets);
    secrets.label_selector = "x3ui.io/user-credentials=true";
    secrets.transform = KeepServedSecretFields;
    s.secrets = std::make_unique<kube::Informer>(kube, kube::kSecrets, std::move(secrets));
    // The index follows the Secrets: a rotated token is replaced (the old one is gone at once).
    s.secrets->AddHandlers({.on_add = [this](const kube::Json& o) {
                              if (auto e = EntryOf(o)) index_.Put(e->token, e->key);
                            },
                            .on_update = [this](const kube::Json& o, const kube::Json& n) {
                              // The old token is dropped only when it changed: erasing and
                              // re-putting an unchanged one would 404 a request in between.
                              const std::optional<SecretEntry> was = EntryOf(o), now = EntryOf(n);
                              if (was && !(now && now->token == was->token && now->key == was->key)) {
                                index_.Erase(was->token, was->key);
                              }
                              if (now) index_.Put(now->token, now->key);
                            },
                            .on_delete = [this](const kube::Json& o) {
                              if (auto e = EntryOf(o)) index_.Erase(e->token, e->key);
                            }});
    served_.push_back(std::move(s));
  }
}

Catalog::~Catalog() { Stop(); }

Status Catalog::Start(std::chrono::milliseconds sync_timeout) {
  for (auto& s : served_) {
    s.assignments->Start();
    s.nodes->Start();
    s.secrets->Start();
  }
  for (auto& s : served_) {
    for (kube::Informer* i : {s.assignments.get(), s.nodes.get(), s.secrets.get()}) {
      if (!i->WaitForSync(sync_timeout)) return Status::Unavailable("the informer caches did not sync in time");
    }
  }
  return Status::Ok();
}

void Catalog::Stop() {
  for (auto& s : served_) {
    s.assignments->Stop();
    s.nodes->Stop();
    s.secrets->Stop();
  }
}

bool Catalog::Synced() const {
  for (const auto& s : served_) {
    if (!s.assignments->HasSynced() || !s.nodes->HasSynced() || !s.secrets->HasSynced()) return false;
  }
  return true;
}

std::optional<UserView> Catalog::Lookup(const std::string& token) const {
  const std::optional<std::string> key = index_.Find(token);
  if (!key) return std::nullopt;
  const std::string ns = key->substr(0, key->find('/'));
  const std::string name = key->substr(key->find('/') + 1);
  for (const auto& s : served_) {
    std::optional<kube::Json> a = s.assignments->Get(*key);
    std::optional<kube::Json> secret = s.secrets->Get(ns + "/" + name + "-vpn");
    if (!a || !secret) continue;
    // The Secret must still hold this token: the index may lag its cache by an event.
    auto e = EntryOf(*secret);
    if (!e || e->token.size() != token.size() || Sha256(e->token) != Sha256(token)) return std::nullopt;
    const std::string node_name = a->value("status", kube::Json::object()).value("nodeName", "");
    std::optional<kube::Json> node = node_name.empty() ? std::nullopt : s.nodes->Get(ns + "/" + node_name);
    return ViewOf(*a, node ? &*node : nullptr, *secret);
  }
  return std::nullopt;
}

}  // namespace x3ui::subscription
