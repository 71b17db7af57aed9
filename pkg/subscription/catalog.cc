#include "pkg/subscription/catalog.h"

#include <ctime>

#include "pkg/api/json.h"
#include "pkg/api/types.h"
#include "pkg/common/base64.h"
#include "pkg/subscription/node_links.h"

namespace x3ui::subscription {
namespace {

std::string DataValue(const kube::Json& secret, const char* key) {
  const kube::Json data = secret.value("data", kube::Json::object());
  if (!data.is_object() || !data.contains(key) || !data[key].is_string()) return "";
  return Base64Decode(data[key].get<std::string>()).value_or("");
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

// Only what a reply needs is cached: the token, the keys the links are built from, and the links
// an older operator wrote; the Secrets' other keys are dropped on the way in.
void KeepSubscriptionKeys(kube::Json* secret) {
  kube::Json kept = kube::Json::object();
  const kube::Json data = secret->value("data", kube::Json::object());
  for (const char* k : {"links", "subscriptionToken", "uuid", "password"}) {
    if (data.is_object() && data.contains(k)) kept[k] = data[k];
  }
  (*secret)["data"] = kept;
  kube::DropManagedFields(secret);
}

// Of a VpnNode only its phase and published endpoints are read.
void KeepServedNodeFields(kube::Json* node) {
  const kube::Json status = node->value("status", kube::Json::object());
  kube::Json kept = kube::Json::object();
  for (const char* k : {"phase", "inbounds"}) {
    if (status.is_object() && status.contains(k)) kept[k] = status[k];
  }
  node->erase("spec");
  (*node)["status"] = kept;
  kube::DropManagedFields(node);
}

std::vector<api::InboundEndpoint> EndpointsOf(const kube::Json& node) {
  std::vector<api::InboundEndpoint> out;
  const kube::Json status = node.value("status", kube::Json::object());
  const kube::Json inbounds = status.is_object() ? status.value("inbounds", kube::Json::array()) : kube::Json::array();
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

}  // namespace

std::optional<SecretEntry> EntryOf(const kube::Json& secret) {
  const kube::Json meta = secret.value("metadata", kube::Json::object());
  std::string owner;
  for (const auto& ref : meta.value("ownerReferences", kube::Json::array())) {
    if (ref.value("kind", "") == api::kVpnAssignmentKind && ref.value("controller", false)) owner = ref.value("name", "");
  }
  const std::string token = DataValue(secret, "subscriptionToken");
  if (owner.empty() || token.empty()) return std::nullopt;
  return SecretEntry{meta.value("namespace", "") + "/" + owner, token};
}

UserView ViewOf(const kube::Json& assignment, const kube::Json* node, const kube::Json& secret) {
  UserView u;
  const kube::Json spec = assignment.value("spec", kube::Json::object());
  const kube::Json status = assignment.value("status", kube::Json::object());
  const kube::Json limits = spec.value("limits", kube::Json::object());
  u.name = assignment["metadata"].value("name", "");
  u.enabled = spec.value("enabled", true);
  u.node = status.value("nodeName", "");
  u.phase = status.value("phase", "");
  if (node) u.node_phase = node->value("status", kube::Json::object()).value("phase", "");
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
  u.links = LinksOn(assignment["metadata"].value("namespace", ""), u.name, StringsOf(spec.value("inbounds", kube::Json::array())),
                    endpoints, keys);
  return u;
}

Catalog::Catalog(kube::KubeClient* kube, std::vector<std::string> namespaces) {
  if (namespaces.empty()) namespaces.push_back("");
  for (const std::string& ns : namespaces) {
    Served s;
    auto options = [&ns](const kube::Resource& r) {
      return kube::InformerOptions{.ns = ns, .transform = kube::DropManagedFields, .on_error = kube::LogListWatchErrors(r.kind)};
    };
    s.assignments = std::make_unique<kube::Informer>(kube, kube::kVpnAssignments, options(kube::kVpnAssignments));
    kube::InformerOptions nodes = options(kube::kVpnNodes);
    nodes.transform = KeepServedNodeFields;
    s.nodes = std::make_unique<kube::Informer>(kube, kube::kVpnNodes, std::move(nodes));
    kube::InformerOptions secrets = options(kube::kSecrets);
    secrets.label_selector = "x3ui.io/user-credentials=true";
    secrets.transform = KeepSubscriptionKeys;
    s.secrets = std::make_unique<kube::Informer>(kube, kube::kSecrets, std::move(secrets));
    // The index follows the Secrets: a rotated token is replaced (the old one is gone at once).
    s.secrets->AddHandlers({.on_add = [this](const kube::Json& o) {
                              if (auto e = EntryOf(o)) index_.Put(e->key, e->token);
                            },
                            .on_update = [this](const kube::Json&, const kube::Json& n) {
                              if (auto e = EntryOf(n)) index_.Put(e->key, e->token);
                            },
                            .on_delete = [this](const kube::Json& o) {
                              if (auto e = EntryOf(o)) index_.Erase(e->key);
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
