#include "controller/assignment_reconciler.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "controller/finalizers.h"
#include "controller/owned_clients.h"
#include "controller/panel_endpoint.h"
#include "pkg/api/conditions.h"
#include "pkg/api/json.h"
#include "pkg/api/validation.h"
#include "pkg/common/base64.h"
#include "pkg/common/random.h"
#include "pkg/x3ui/links.h"

namespace x3ui::controller {
namespace {

using api::Condition;

constexpr auto Cond = api::MakeCondition;

std::string SecretValue(const kube::Json& secret, const char* key) {
  const kube::Json* data = secret.contains("data") ? &secret["data"] : nullptr;
  if (!data || !data->is_object() || !data->contains(key) || !(*data)[key].is_string()) return "";
  return Base64Decode((*data)[key].get<std::string>()).value_or("");
}

// True when the error means the VpnNode itself is gone: nothing is left to clean there.
bool NodeGone(const Status& s) { return s.code() == Status::Code::kNotFound && s.reason() == "NodeUnavailable"; }

bool OwnedBy(const kube::Json& obj, const std::string& uid) {
  const auto& meta = obj.value("metadata", kube::Json::object());
  for (const auto& ref : meta.value("ownerReferences", kube::Json::array())) {
    if (ref.value("uid", "") == uid) return true;
  }
  return false;
}

UserKeys KeysOf(const kube::Json& secret) {
  return {SecretValue(secret, "uuid"), SecretValue(secret, "password"), SecretValue(secret, "subId")};
}

}  // namespace

std::string CredentialsSecretName(const std::string& assignment) { return assignment + "-vpn"; }
std::string AssignedNode(const kube::Json& assignment) {
  return assignment.value("status", kube::Json::object()).value("nodeName", "");
}

// What syncing the panel came to: Synced=True, or the reason and message for Synced=False.
struct AssignmentReconciler::Outcome {
  bool synced = false;
  std::string reason;
  std::string message;
  std::vector<std::string> links;
  int repaired = 0;  // clients added or rewritten on this pass
  // With a batcher, a new user's missing clients are not added here but handed back, with the
  // session of their panel, for the batcher to send with other users'.
  std::vector<panel::AddBatcher::ClientAdd> deferred;
  std::shared_ptr<panel::PanelSession> session;
};

void AssignmentReconciler::Event(const kube::Json& obj, const char* type, const std::string& reason,
                                 const char* action, const std::string& note) {
  if (!deps_.events) return;
  if (Status s = deps_.events->Record(obj, type, reason, action, note); !s.ok()) {
    spdlog::warn("recording Event {} on VpnAssignment {}/{}: {}", reason, obj["metadata"].value("namespace", ""),
                 obj["metadata"].value("name", ""), s.message());
  }
}

AssignmentReconciler::AssignmentReconciler(AssignmentReconcilerDeps deps, AssignmentReconcilerOptions options)
    : deps_(std::move(deps)), options_(options) {
  if (!deps_.new_uuid) deps_.new_uuid = NewUuidV4;
  if (!deps_.new_token) deps_.new_token = RandomToken;
}

bool CaughtUp(const std::string& cached, const std::string& written) {
  uint64_t c = 0, w = 0;
  const auto [c_end, c_err] = std::from_chars(cached.data(), cached.data() + cached.size(), c);
  const auto [w_end, w_err] = std::from_chars(written.data(), written.data() + written.size(), w);
  const bool numbers = c_err == std::errc() && w_err == std::errc() && c_end == cached.data() + cached.size() &&
                       w_end == written.data() + written.size();
  return numbers ? c >= w : cached == written;
}

namespace {
std::string ResourceVersion(const kube::Json& obj) {
  return obj.value("metadata", kube::Json::object()).value("resourceVersion", "");
}
}  // namespace

void AssignmentReconciler::Observe(const std::string& ns, const std::string& name, const std::string& node_name,
                                   const std::string& resource_version) {
  const std::string key = ns + "/" + name;
  std::lock_guard<std::mutex> l(mu_);
  {
    std::lock_guard<std::mutex> w_lock(written_mu_);
    if (auto w = written_.find(key); w != written_.end()) {
      if (!CaughtUp(resource_version, ResourceVersion(w->second))) return;  // older than our own write
      written_.erase(w);
    }
  }
  // An empty nodeName may be an older copy than a placement this process just made: keep that.
  if (node_name.empty()) return;
  placed_.Set(key, ns + "/" + node_name);
}

void AssignmentReconciler::Remember(const kube::Json& written) {
  const auto& meta = written["metadata"];
  std::lock_guard<std::mutex> l(written_mu_);
  written_[meta.value("namespace", "") + "/" + meta.value("name", "")] = written;
}

void AssignmentReconciler::Forget(const std::string& ns, const std::string& name) {
  MoveSlot held(deps_.budget, deps_.wake);  // a move waiting for the batcher gives its slot back
  std::lock_guard<std::mutex> l(mu_);
  placed_.Erase(ns + "/" + name);
  requests_.erase(ns + "/" + name);
  new_choices_.erase(ns + "/" + name);
  if (moves_in_flight_.erase(ns + "/" + name) > 0) held.Adopt(ns + "/" + name);
  std::lock_guard<std::mutex> w_lock(written_mu_);
  written_.erase(ns + "/" + name);
  if (deps_.expected_keys) deps_.expected_keys->Forget(ns + "/" + name);
}

int64_t AssignmentReconciler::UsersOn(const std::string& node_key) const {
  std::lock_guard<std::mutex> l(mu_);
  return UsersOnLocked(node_key);
}

std::vector<std::string> AssignmentReconciler::PlacedOn(const std::string& node_key) const {
  std::lock_guard<std::mutex> l(mu_);
  return placed_.NamesOn(node_key);
}

int64_t AssignmentReconciler::UsersOnLocked(const std::string& node_key) const {
  return placed_.UsersOn(node_key);
}

Result<kube::Json> AssignmentReconciler::EnsureCredentials(const api::VpnAssignment& a) {
  const std::string& ns = a.metadata.namespace_;
  const std::string secret_name = CredentialsSecretName(a.metadata.name);
  Result<kube::Json> got = deps_.kube->Get(kube::kSecrets, ns, secret_name);
  if (got.ok()) {
    if (!OwnedBy(*got, a.metadata.uid)) {
      return Status::FailedPrecondition("Secret " + secret_name +
                                        " exists and is not owned by this VpnAssignment; delete or rename it so "
                                        "the operator can create it")
          .WithReason("SecretConflict");
    }
    if (!SecretValue(*got, "uuid").empty() && !SecretValue(*got, "password").empty() &&
        !SecretValue(*got, "subId").empty()) {
      return got;
    }
  } else if (got.status().code() != Status::Code::kNotFound) {
    return got.status();
  }
  // A new user (or a Secret someone emptied): fresh credentials, kept from now on.
  kube::Json secret = got.ok() ? *got
                               : kube::Json{{"apiVersion", "v1"},
                                            {"kind", "Secret"},
                                            {"type", "Opaque"},
                                            {"metadata",
                                             {{"name", secret_name},
                                              {"namespace", ns},
                                              {"labels", {{"app.kubernetes.io/managed-by", "x3ui-operator"}}},
                                              {"ownerReferences",
                                               {{{"apiVersion", "x3ui.io/v1alpha1"},
                                                 {"kind", api::kVpnAssignmentKind},
                                                 {"name", a.metadata.name},
                                                 {"uid", a.metadata.uid},
                                                 {"controller", true},
                                                 {"blockOwnerDeletion", true}}}}}}};
  if (!secret.contains("data") || !secret["data"].is_object()) secret["data"] = kube::Json::object();
  if (SecretValue(secret, "uuid").empty()) secret["data"]["uuid"] = Base64Encode(deps_.new_uuid());
  if (SecretValue(secret, "password").empty()) secret["data"]["password"] = Base64Encode(deps_.new_token(24));
  if (SecretValue(secret, "subId").empty()) secret["data"]["subId"] = Base64Encode(deps_.new_token(16));
  // A new Secret is created by WriteLinks, with the links, once the panel holds the client: one
  // write per new user instead of two, and no Secret for a user that never reached a panel.
  return got.ok() ? deps_.kube->Update(kube::kSecrets, ns, secret) : Result<kube::Json>(secret);
}

Result<kube::Json> AssignmentReconciler::WriteLinks(kube::Json secret, const std::vector<std::string>& links) {
  std::string joined;
  for (const auto& l : links) joined += l + "\n";
  const std::string links_b64 = Base64Encode(joined);
  const std::string sub_b64 = Base64Encode(panel::SubscriptionBody(links));
  if (secret["data"].value("links", "") == links_b64 && secret["data"].value("subscription", "") == sub_b64) {
    return secret;
  }
  secret["data"]["links"] = links_b64;
  secret["data"]["subscription"] = sub_b64;
  const std::string ns = secret["metadata"].value("namespace", "");
  if (!secret["metadata"].contains("resourceVersion")) return deps_.kube->Create(kube::kSecrets, ns, secret);
  return deps_.kube->Update(kube::kSecrets, ns, secret);
}

AssignmentReconciler::Outcome AssignmentReconciler::Sync(const api::VpnAssignment& a, const std::string& node_name,
                                                         const kube::Json& secret, bool defer_adds, bool stale_ok) {
  Result<OpenedPanel> opened = OpenPanel(a.metadata.namespace_, node_name, stale_ok);
  // A listing of any age may say a client is missing (the add is verified), never that it is there.
  if (opened.ok() && stale_ok && AnyOwnedClientListed(a, *opened)) {
    Result<panel::PanelSession::Listing> fresh = Listing(*opened->session, false);
    if (fresh.ok()) opened->inbounds = *std::move(fresh);
    else opened = fresh.status();
  }
  if (!opened.ok()) return {false, opened.status().reason(), opened.status().message(), {}};
  const api::VpnNode* node = &opened->node;
  const std::vector<panel::Inbound>* on_panel = opened->inbounds.get();
  auto& session = opened->session;

  Outcome out{true, "Synced", "", {}, 0};
  out.session = session;
  std::vector<const api::InboundRef*> wanted = WantedInbounds(node->spec, a.spec.inbounds);
  for (const auto& name : a.spec.inbounds) {
    if (std::none_of(wanted.begin(), wanted.end(), [&](const api::InboundRef* r) { return r->name == name; })) {
      return {false, "UnknownInbound", "spec.inbounds: node " + node_name + " has no inbound named " + name, {}};
    }
  }
  for (const api::InboundRef* ref : wanted) {
    const panel::Inbound* inbound = FindInbound(*on_panel, *ref);
    if (!inbound) return {false, "InboundMissing", "the panel of " + node_name + " has no inbound " + ref->name, {}};
    panel::Client want = DesiredClient(a.metadata.namespace_, a.metadata.name, a.spec, ref->name, inbound->protocol,
                                       KeysOf(secret));
    const uint64_t keys = KeyFingerprint(want);
    if (deps_.expected_keys) deps_.expected_keys->Set(a.metadata.namespace_ + "/" + a.metadata.name, ref->name, keys);
    const panel::Client* have = FindClient(*inbound, want.email);
    const bool stale = have && Stale(*have, want, keys);
    Status s = Status::Ok();
    if (!have && defer_adds) {
      out.deferred.push_back({panel::WithoutClients(*inbound), want});
    } else if (!have) {
      s = session->AddClientsVerified(*inbound, {want});
    } else if (stale) {
      panel::Client merged = Merge(*have, want);
      const std::string old_key = panel::ClientKey(inbound->protocol, *have);
      s = session->Mutate([&](panel::PanelClient& c) { return c.UpdateClient(*inbound, old_key, merged); });
    }
    if (!s.ok()) return {false, s.reason().empty() ? "PanelRefused" : s.reason(), "inbound " + ref->name + ": " + s.message(), {}};
    if (!have || stale) ++out.repaired;
    if (auto link = panel::ShareLink(*inbound, want, node->spec.public_host); link.ok()) out.links.push_back(*link);
  }
  out.message = "client present on " + std::to_string(wanted.size()) + " inbound(s) of " + node_name;
  if (!out.deferred.empty()) out = {false, "Adding", "waiting for the next batched add on " + node_name, out.links, 0,
                                    std::move(out.deferred), session};
  return out;
}

namespace {
// From the informer's copy when there is one (absent there means deleted, as with
// controller-runtime's cached client), else from the API server.
Result<kube::Json> ReadThrough(const std::function<std::optional<kube::Json>(const std::string&)>& cache,
                               kube::KubeClient& kube, const kube::Resource& resource, const std::string& ns,
                               const std::string& name) {
  if (!cache) return kube.Get(resource, ns, name);
  if (std::optional<kube::Json> cached = cache(ns + "/" + name)) return *std::move(cached);
  return Status::NotFound(resource.kind + " " + ns + "/" + name + " not found");
}
}  // namespace

bool AssignmentReconciler::AnyOwnedClientListed(const api::VpnAssignment& a, const OpenedPanel& p) {
  for (const api::InboundRef* ref : WantedInbounds(p.node.spec, a.spec.inbounds)) {
    const panel::Inbound* inbound = FindInbound(*p.inbounds, *ref);
    if (inbound && FindClient(*inbound, OwnedClientEmail(a.metadata.namespace_, a.metadata.name, ref->name))) return true;
  }
  return false;
}

Result<kube::Json> AssignmentReconciler::ReadAssignment(const std::string& ns, const std::string& name) {
  Result<kube::Json> got = ReadThrough(deps_.cached_assignment, *deps_.kube, kube::kVpnAssignments, ns, name);
  std::lock_guard<std::mutex> l(written_mu_);
  auto w = written_.find(ns + "/" + name);
  if (w == written_.end()) return got;
  if (!got.ok() || CaughtUp(ResourceVersion(*got), ResourceVersion(w->second))) {
    written_.erase(w);
    return got;
  }
  return w->second;
}

Result<kube::Json> AssignmentReconciler::ReadNode(const std::string& ns, const std::string& name) {
  return ReadThrough(deps_.cached_node, *deps_.kube, kube::kVpnNodes, ns, name);
}

Result<AssignmentReconciler::OpenedPanel> AssignmentReconciler::OpenPanel(const std::string& ns,
                                                                           const std::string& node_name,
                                                                           bool any_listing) {
  Result<kube::Json> got = ReadNode(ns, node_name);
  if (!got.ok()) return got.status().WithContext("reading VpnNode " + node_name).WithReason("NodeUnavailable");
  Result<api::VpnNode> node = api::DecodeVpnNode(*got);
  if (!node.ok()) return node.status().WithReason("NodeUnavailable");
  // The prober keeps the panel's session up to date with the node's spec and Secrets; its
  // Secrets are read here only for a node it has not opened yet.
  std::shared_ptr<panel::PanelSession> session = deps_.panels->Find(ns + "/" + node_name);
  if (!session) {
    std::string reason;
    auto endpoint = PanelEndpointFor(*deps_.kube, *node, options_.panel_timeout, &reason);
    if (!endpoint.ok()) return endpoint.status().WithContext("node " + node_name).WithReason(reason);
    auto opened = deps_.panels->Get(ns + "/" + node_name, *endpoint);
    if (!opened.ok()) return opened.status().WithReason("PanelUnavailable");
    session = std::move(opened).value();
  }
  Result<panel::PanelSession::Listing> inbounds = Listing(*session, any_listing);
  if (!inbounds.ok()) return inbounds.status();
  return OpenedPanel{std::move(node).value(), std::move(session), std::move(inbounds).value()};
}

Result<panel::PanelSession::Listing> AssignmentReconciler::Listing(panel::PanelSession& session, bool any_age) {
  if (panel::PanelSession::Listing last = any_age ? session.LastListing() : nullptr) return last;
  Result<panel::PanelSession::Listing> inbounds = session.SharedListing(options_.listing_max_age);
  if (!inbounds.ok()) return inbounds.status().WithContext("listing inbounds").WithReason("PanelUnavailable");
  return inbounds;
}

Status AssignmentReconciler::RemoveClients(const api::VpnAssignment& a) {
  const std::string& ns = a.metadata.namespace_;
  if (a.status.node_name.empty()) return Status::Ok();
  Result<OpenedPanel> p = OpenPanel(ns, a.status.node_name);
  if (!p.ok()) return NodeGone(p.status()) ? Status::Ok() : p.status();
  std::vector<std::string> emails;
  for (const auto& ref : p->node.spec.inbounds) emails.push_back(OwnedClientEmail(ns, a.metadata.name, ref.name));
  return DeleteOwnedClients(*p->session, *p->inbounds, emails);
}

Status AssignmentReconciler::RemovePending(const std::string& ns, const std::string& node) {
  if (!deps_.store) return Status::Ok();
  Result<std::vector<store::PendingRemoval>> pending = deps_.store->PendingRemovals(ns, node);
  if (!pending.ok() || pending->empty()) return pending.status();
  Result<OpenedPanel> p = OpenPanel(ns, node);
  size_t done = 0;
  for (const auto& r : *pending) {
    // A user that has come back to this node keeps its client; a deleted node keeps nothing.
    Result<kube::Json> a = ReadAssignment(ns, r.assignment);
    if (!a.ok() && a.status().code() != Status::Code::kNotFound) return a.status();
    const bool back = a.ok() && AssignedNode(*a) == node;
    Status s = back || (!p.ok() && NodeGone(p.status())) ? Status::Ok()
               : !p.ok()                                 ? p.status()
                                                         : DeleteOwnedClients(*p->session, *p->inbounds, {r.client_email});
    if (!s.ok()) {
      if (Status w = deps_.store->RecordRemovalFailure(r.id, s.message()); !w.ok()) return w;
      return s;
    }
    if (Status w = deps_.store->CompletePendingRemoval(r.id); !w.ok()) return w;
    ++done;
  }
  spdlog::info("pending removals done node={}/{} clients={}", ns, node, done);
  return Status::Ok();
}

AssignmentReconciler::MoveSlot::~MoveSlot() {
  if (key_.empty()) return;
  if (std::optional<std::string> next = budget_->Release(key_); next && wake_) wake_(*next);
}

bool AssignmentReconciler::MoveSlot::Acquire(const std::string& key) {
  if (!budget_) return true;
  if (!budget_->TryAcquire(key)) return false;
  key_ = key;
  return true;
}

void AssignmentReconciler::RequestMove(const std::string& ns, const std::string& name, const std::string& target) {
  std::lock_guard<std::mutex> l(mu_);
  requests_[ns + "/" + name] = MoveRequest{target, MoveRequest::State::kPending, ""};
}

std::optional<AssignmentReconciler::MoveRequest> AssignmentReconciler::MoveRequestOf(const std::string& ns,
                                                                                     const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = requests_.find(ns + "/" + name);
  if (it == requests_.end()) return std::nullopt;
  return it->second;
}

void AssignmentReconciler::ClearMoveRequest(const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  requests_.erase(ns + "/" + name);
}

AssignmentReconciler::MoveRequest* AssignmentReconciler::PendingRequestLocked(const std::string& key,
                                                                               const api::VpnAssignment& a) {
  auto it = requests_.find(key);
  if (it == requests_.end() || it->second.state != MoveRequest::State::kPending) return nullptr;
  if (!a.spec.node_name.empty() && a.spec.node_name != it->second.target) {
    it->second.state = MoveRequest::State::kFailed;
    it->second.message = "pinned to " + a.spec.node_name + " by spec.nodeName";
    return nullptr;
  }
  if (a.status.node_name == it->second.target) {
    it->second.state = MoveRequest::State::kDone;
    return nullptr;
  }
  return a.status.node_name.empty() ? nullptr : &it->second;
}

void AssignmentReconciler::FinishRequest(const std::string& key, const std::string& node) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = requests_.find(key);
  if (it != requests_.end() && it->second.state == MoveRequest::State::kPending && it->second.target == node) {
    it->second.state = MoveRequest::State::kDone;
  }
}

Status AssignmentReconciler::RecoverMoves(const std::string& ns) {
  if (!deps_.store) return Status::Ok();
  Result<std::vector<store::JournalEntry>> open = deps_.store->OpenMoves();
  if (!open.ok()) return open.status().WithContext("reading the migration journal");
  int finished = 0, rolled_back = 0;
  for (const store::JournalEntry& m : *open) {
    if (!ns.empty() && m.namespace_ != ns) continue;
    Result<kube::Json> obj = ReadAssignment(m.namespace_, m.assignment);
    if (!obj.ok() && obj.status().code() != Status::Code::kNotFound) return obj.status();
    Result<api::VpnAssignment> a = obj.ok() ? api::DecodeVpnAssignment(*obj) : Result<api::VpnAssignment>(obj.status());
    if (a.ok() && a->status.node_name == m.to_node) {
      // The status names the target: the move committed; finish it.
      CompleteMove(*obj, *a, m);
      ++finished;
      continue;
    }
    // Not committed: the user is still served by its source; the target's copy goes.
    RemoveOrDefer(m.namespace_, m.assignment, m.to_node, "RolledBack");
    Journal("roll back move " + m.move_id, [id = m.move_id](store::LedgerStore& s) {
      return s.AdvanceMove(id, store::MoveStep::kRolledBack);
    });
    ++rolled_back;
  }
  if (finished + rolled_back > 0) {
    spdlog::info("migration journal: finished {} and rolled back {} moves a previous run left half done", finished,
                 rolled_back);
  }
  return Status::Ok();
}

Status AssignmentReconciler::ReconcileLedger(const std::vector<kube::Json>& assignments, const std::string& ns) {
  if (!deps_.store || !deps_.ledger) return Status::Ok();
  Result<store::LedgerSnapshot> snapshot = deps_.store->LoadSnapshot();
  if (!snapshot.ok()) return snapshot.status().WithContext("reading the ledger");
  std::map<std::string, std::string> active;  // "ns/name" -> node
  for (const auto& row : snapshot->active_placements) {
    if (ns.empty() || row.record.namespace_ == ns) active[row.record.namespace_ + "/" + row.record.assignment] = row.record.node;
  }
  int fixed = 0;
  for (const auto& obj : assignments) {
    const auto& meta = obj["metadata"];
    const std::string a_ns = meta.value("namespace", ""), name = meta.value("name", ""), node = AssignedNode(obj);
    auto it = active.find(a_ns + "/" + name);
    const std::string in_ledger = it == active.end() ? "" : it->second;
    if (it != active.end()) active.erase(it);
    if (node == in_ledger) continue;
    ++fixed;
    spdlog::debug("ledger corrected assignment={}/{} ledger_node={} status_node={}", a_ns, name,
                  in_ledger.empty() ? "none" : in_ledger, node.empty() ? "none" : node);
    const auto& user = obj.value("spec", kube::Json::object()).value("user", kube::Json::object());
    store::PlacementRecord to{a_ns, name, user.value("id", ""), user.value("email", ""), node, "Recovered"};
    if (node.empty()) {
      Journal("release " + name, [a_ns, name](store::LedgerStore& s) { return s.ReleasePlacement(a_ns, name, "NotPlaced"); });
    } else if (in_ledger.empty()) {
      deps_.ledger->RecordPlacement(to);
    } else {
      Journal("switch " + name, [to, in_ledger](store::LedgerStore& s) { return s.SwitchPlacement(to, in_ledger, ""); });
    }
  }
  for (const auto& [key, node] : active) {
    const std::string a_ns = key.substr(0, key.find('/')), name = key.substr(key.find('/') + 1);
    ++fixed;
    Journal("release " + name, [a_ns, name](store::LedgerStore& s) { return s.ReleasePlacement(a_ns, name, "Deleted"); });
  }
  if (fixed > 0) spdlog::info("ledger corrected placements={} (to match the assignments' status)", fixed);
  return Status::Ok();
}

bool AssignmentReconciler::RemoveOrDefer(const std::string& ns, const std::string& name, const std::string& node,
                                         const std::string& reason) {
  api::VpnAssignment at_node;
  at_node.metadata.namespace_ = ns;
  at_node.metadata.name = name;
  at_node.status.node_name = node;
  // A node declared Unreachable is not asked (a dead panel may cost a timeout per user): its
  // clients wait in the ledger until it answers again.
  std::vector<balancer::NodeView> views = deps_.nodes(ns);
  const bool unreachable = std::any_of(views.begin(), views.end(), [&](const balancer::NodeView& v) {
    return v.name == node && v.phase == api::kPhaseUnreachable;
  });
  Status removed = unreachable ? Status::Unavailable(node + " is Unreachable") : RemoveClients(at_node);
  if (removed.ok()) return true;
  // The node does not answer: its clients wait in the ledger until it does. (A node known to be
  // Unreachable is not news: a failover of thousands would log thousands of warnings.)
  spdlog::log(unreachable ? spdlog::level::debug : spdlog::level::warn,
              "the clients of VpnAssignment {}/{} stay on {} for now: {}", ns, name, node, removed.message());
  Result<kube::Json> got = ReadNode(ns, node);
  Result<api::VpnNode> decoded = got.ok() ? api::DecodeVpnNode(*got) : Result<api::VpnNode>(got.status());
  if (!decoded.ok() || !deps_.ledger) return false;
  for (const auto& ref : decoded->spec.inbounds) {
    store::PendingRemoval r{0, ns, node, OwnedClientEmail(ns, name, ref.name), name, reason, 0, removed.message()};
    deps_.ledger->Enqueue("pending removal on " + node, [r](store::LedgerStore& s) { return s.AddPendingRemoval(r); });
  }
  return false;
}

void AssignmentReconciler::CompleteMove(const kube::Json& obj, const api::VpnAssignment& a, const store::JournalEntry& m) {
  if (deps_.ledger) {
    store::PlacementRecord to{m.namespace_, m.assignment, a.spec.user.id, a.spec.user.email, m.to_node, m.reason};
    deps_.ledger->Enqueue("switch " + m.move_id, [to, m](store::LedgerStore& s) {
      return s.SwitchPlacement(to, m.from_node, m.move_id);
    });
  }
  Step("switched");
  // A dead node's users are told by their status (Placed: "moved from ... to ...", migrations):
  // an Event each would add a write per user to the failover of thousands.
  if (m.reason != "NodeUnreachable") {
    Event(obj, "Normal", "Migrated", "Migrate",
          "moved from " + m.from_node + " to " + m.to_node + " (" + m.reason + "), same credentials");
  }
  if (deps_.metrics) deps_.metrics->Migration(m.reason, "success");
  if (RemoveOrDefer(m.namespace_, m.assignment, m.from_node, m.reason)) {
    Journal("advance move " + m.move_id, [id = m.move_id](store::LedgerStore& s) {
      return s.AdvanceMove(id, store::MoveStep::kRemovedFromSource);
    });
    Step("removed-from-source");
  }
  Journal("finish move " + m.move_id, [id = m.move_id](store::LedgerStore& s) { return s.AdvanceMove(id, store::MoveStep::kDone); });
}

void AssignmentReconciler::AbandonMove(const std::string& ns, const std::string& name, const std::string& source,
                                       const std::string& move_id, const std::string& reason, const std::string& why) {
  if (!move_id.empty()) {
    Journal("roll back move " + move_id, [move_id](store::LedgerStore& s) {
      return s.AdvanceMove(move_id, store::MoveStep::kRolledBack);
    });
  }
  if (deps_.metrics && !move_id.empty()) deps_.metrics->Migration(reason, "failure");
  std::lock_guard<std::mutex> l(mu_);
  // Whatever reached the target is extra there now.
  if (source.empty()) placed_.Erase(ns + "/" + name);
  else placed_.Set(ns + "/" + name, ns + "/" + source);
  auto it = requests_.find(ns + "/" + name);
  if (it != requests_.end() && it->second.state == MoveRequest::State::kPending && !why.empty()) {
    it->second.state = MoveRequest::State::kFailed;
    it->second.message = why;
  }
}

void AssignmentReconciler::Journal(const std::string& what, std::function<Status(store::LedgerStore&)> write) {
  if (deps_.ledger) deps_.ledger->Enqueue(what, std::move(write));
}

void AssignmentReconciler::Step(const char* step) {
  if (deps_.on_move_step) deps_.on_move_step(step);
}

Result<ReconcileResult> AssignmentReconciler::Finalize(const kube::Json& obj, const api::VpnAssignment& a) {
  if (!HasFinalizer(a.metadata.finalizers, kPanelClientsFinalizer)) return ReconcileResult{};
  if (Status s = RemoveClients(a); !s.ok()) {
    const api::Condition* was = api::FindCondition(a.status.conditions, api::kReady);
    if (!was || was->reason != "CleanupPending") {
      spdlog::warn("deletion waits assignment={}/{} node={} reason=CleanupPending error={}", a.metadata.namespace_,
                   a.metadata.name, a.status.node_name, s.message());
      Event(obj, "Warning", "CleanupPending", "Delete",
            "waiting to remove the user's clients from " + a.status.node_name + ": " + s.message());
    }
    api::VpnAssignment updated = a;
    api::SetCondition(&updated.status.conditions,
                      Cond(api::kReady, false, "CleanupPending",
                           "removing the user's clients from " + a.status.node_name + ": " + s.message(),
                           a.metadata.generation),
                      FormatRfc3339(deps_.clock->Now()));
    if (!(updated.status == a.status)) {
      if (auto w = deps_.kube->UpdateStatus(kube::kVpnAssignments, a.metadata.namespace_, api::Encode(updated)); !w.ok()) {
        return w.status();
      }
    }
    return ReconcileResult{options_.retry_unplaced};
  }
  if (Status s = RemoveFinalizer(*deps_.kube, kube::kVpnAssignments, obj, kPanelClientsFinalizer); !s.ok()) return s;
  spdlog::info("access revoked assignment={}/{} node={}", a.metadata.namespace_, a.metadata.name,
               a.status.node_name.empty() ? "none" : a.status.node_name);
  Forget(a.metadata.namespace_, a.metadata.name);
  if (deps_.ledger) {
    deps_.ledger->Enqueue("release " + a.metadata.name, [ns = a.metadata.namespace_, n = a.metadata.name](store::LedgerStore& s) {
      return s.ReleasePlacement(ns, n, "Deleted");
    });
  }
  return ReconcileResult{};
}

Result<ReconcileResult> AssignmentReconciler::Reconcile(const std::string& ns, const std::string& name) {
  // 1. Read the assignment; its Secret goes with it (owner reference).
  Result<kube::Json> got = ReadAssignment(ns, name);
  if (!got.ok()) {
    if (got.status().code() != Status::Code::kNotFound) return got.status();
    Forget(ns, name);
    return ReconcileResult{};
  }
  Result<api::VpnAssignment> decoded = api::DecodeVpnAssignment(*got);
  if (!decoded.ok()) return decoded.status().WithContext("VpnAssignment " + ns + "/" + name);
  if (decoded->metadata.deleting()) return Finalize(*got, *decoded);
  // The finalizer goes on before any client exists, so that no deletion can miss one.
  if (!HasFinalizer(decoded->metadata.finalizers, kPanelClientsFinalizer)) {
    got = AddFinalizer(*deps_.kube, kube::kVpnAssignments, *got, kPanelClientsFinalizer);
    if (!got.ok()) return got.status();
    Remember(*got);
    decoded = api::DecodeVpnAssignment(*got);
    if (!decoded.ok()) return decoded.status();
  }
  const api::VpnAssignment& a = *decoded;
  const int64_t gen = a.metadata.generation;
  const std::string now_text = FormatRfc3339(deps_.clock->Now());
  api::VpnAssignmentStatus next = a.status;
  next.observed_generation = gen;
  auto set = [&](Condition c) { api::SetCondition(&next.conditions, std::move(c), now_text); };
  auto write = [&]() -> Status {
    if (next == a.status) return Status::Ok();
    api::VpnAssignment updated = a;
    updated.status = next;
    Result<kube::Json> written = deps_.kube->UpdateStatus(kube::kVpnAssignments, ns, api::Encode(updated));
    if (written.ok()) Remember(*written);
    return written.status();
  };
  ReconcileResult result{options_.resync};

  // 2. A spec the schema could not catch: say which fields, touch nothing.
  if (FieldErrors errs = api::ValidateVpnAssignment(a); !errs.empty()) {
    if (next.node_name.empty()) next.phase = api::kPhaseFailed;
    set(Cond(api::kReady, false, "InvalidSpec", Status::Invalid(errs).message(), gen));
    if (Status s = write(); !s.ok()) return s;
    return ReconcileResult{};
  }

  // 3. Choose the node, and count the user there before anyone else chooses. A move needs a
  //    slot of the disruption budget; without one the user stays, touched by nothing, until
  //    a slot frees and it is handed back to the queue.
  const std::string key = ns + "/" + name;
  // While the batcher holds the user's clients there is nothing to do: it wakes this reconcile.
  if (deps_.batcher && deps_.batcher->Pending(key)) return ReconcileResult{};
  std::string node_name, placed_reason, source;  // source: the node a move leaves
  kube::Json saved_secret;  // the Secret this process saved for a new user on an earlier pass
  std::optional<MoveInFlight> resumed;  // a move whose clients the batcher has just added
  MoveSlot slot(deps_.budget, deps_.wake);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (auto flying = moves_in_flight_.find(key); flying != moves_in_flight_.end()) {
      resumed = std::move(flying->second);
      moves_in_flight_.erase(flying);
    }
  }
  if (resumed && a.status.node_name != resumed->source) {
    // The user is no longer where this move started (another pass of this process, or a person,
    // moved it while the batcher added its clients): committing would move it twice. The move
    // is rolled back; what it added on its target is removed unless the user is there now.
    slot.Adopt(key);
    spdlog::warn("move abandoned assignment={} from={} to={} reason=StatusMoved status_node={}", key, resumed->source,
                 resumed->target, a.status.node_name.empty() ? "none" : a.status.node_name);
    AbandonMove(ns, name, a.status.node_name, resumed->move_id, resumed->reason, "");
    if (resumed->target != a.status.node_name) RemoveOrDefer(ns, name, resumed->target, resumed->reason);
    return ReconcileResult{std::chrono::milliseconds(1)};
  }
  if (resumed) {
    // Its slot of the budget is still held; its target stays what was journaled.
    slot.Adopt(key);
    node_name = resumed->target;
    source = resumed->source;
    placed_reason = resumed->reason;
    saved_secret = resumed->secret;
  } else {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<balancer::NodeView> views = deps_.nodes(ns);
    for (auto& v : views) v.users = UsersOnLocked(ns + "/" + v.name);
    // A new user handed to the batcher keeps the node chosen for it (its client may be there
    // already), unless that node can no longer have it.
    auto chosen = a.status.node_name.empty() ? new_choices_.find(key) : new_choices_.end();
    const bool chosen_before = chosen != new_choices_.end();
    if (chosen_before) saved_secret = chosen->second.secret;
    balancer::PlacementRequest req{key, a.spec.node_name, a.spec.node_selector,
                                   chosen_before ? chosen->second.node : a.status.node_name, false};
    MoveRequest* requested = PendingRequestLocked(key, a);
    if (requested) req.pinned_node = requested->target;
    Result<balancer::Placement> p = policy_.Choose(views, req);
    if (requested && !p.ok()) {
      requested->state = MoveRequest::State::kFailed;
      requested->message = p.status().message();
      req.pinned_node = a.spec.node_name;
      p = policy_.Choose(views, req);
    }
    if (!p.ok() && a.status.node_name.empty()) {
      // Name the field to change when a pin is what cannot be honoured.
      const std::string why = (a.spec.node_name.empty() ? "" : "spec.nodeName: ") + p.status().message();
      if (const Condition* was = api::FindCondition(a.status.conditions, api::kPlaced); !was || was->reason != "Unschedulable") {
        spdlog::warn("not placed assignment={} reason=Unschedulable why={}", key, why);
      }
      next.phase = api::kPhasePending;
      set(Cond(api::kPlaced, false, "Unschedulable", why, gen));
      set(Cond(api::kReady, false, "Unschedulable", why, gen));
      if (Status s = write(); !s.ok()) return s;
      return ReconcileResult{options_.retry_unplaced};
    }
    if (!p.ok()) {
      node_name = a.status.node_name;  // it should leave, but there is nowhere to go: stay
      if (const Condition* was = api::FindCondition(a.status.conditions, api::kPlaced); !was || was->reason != "NoTarget") {
        spdlog::warn("move impossible assignment={} node={} reason=NoTarget why={}", key, node_name, p.status().message());
      }
      set(Cond(api::kPlaced, false, "NoTarget", p.status().message(), gen));
    } else {
      if (chosen_before) p->kind = balancer::Placement::Kind::kNew;  // not placed yet: nothing to move
      // Users of an Unreachable node have no working placement left to disrupt: their rescue
      // takes no slot of the budget (as a PodDisruptionBudget lets unhealthy pods go), so that a
      // dead node's users are not moved fifty at a time.
      const bool rescue = p->reason == "NodeUnreachable";
      if (p->kind == balancer::Placement::Kind::kMove && !rescue && !slot.Acquire(key)) {
        return ReconcileResult{options_.retry_unplaced};
      }
      node_name = p->node;
      placed_reason = requested && p->kind == balancer::Placement::Kind::kMove ? "VpnMigration" : p->reason;
      if (chosen_before && node_name == chosen->second.node) placed_reason = chosen->second.reason;
      if (p->kind == balancer::Placement::Kind::kMove) source = a.status.node_name;
      // A user staying put keeps the reason it was placed for (no status churn Balanced -> Sticky).
      const Condition* was = api::FindCondition(next.conditions, api::kPlaced);
      if (p->kind == balancer::Placement::Kind::kNew || !was || was->status != api::kConditionTrue) {
        if (source.empty()) set(Cond(api::kPlaced, true, p->reason, "placed on " + node_name, gen));
      }
    }
    placed_.Set(key, ns + "/" + node_name);
  }
  const bool newly_placed = next.node_name.empty();

  // 4. The user's credentials, created once and kept across every move.
  Result<kube::Json> secret = saved_secret.is_object() ? Result<kube::Json>(saved_secret) : EnsureCredentials(a);
  if (!secret.ok()) {
    if (!source.empty()) AbandonMove(ns, name, source, "", placed_reason, "");
    if (secret.status().reason() != "SecretConflict") return secret.status();
    set(Cond(api::kReady, false, "SecretConflict", secret.status().message(), gen));
    if (Status s = write(); !s.ok()) return s;
    return ReconcileResult{options_.retry_unplaced};
  }
  if (secret->at("metadata").contains("resourceVersion")) next.credentials_secret_name = CredentialsSecretName(name);

  // 5. A move is journaled before it touches the target.
  const std::string move_id = resumed ? resumed->move_id
                              : source.empty() ? ""
                                               : key + ":" + source + "->" + node_name + ":" + now_text + ":" + deps_.new_token(8);
  if (!move_id.empty() && !resumed) {
    Journal("begin move " + move_id, [m = store::JournalEntry{move_id, ns, name, source, node_name, placed_reason}](
                                         store::LedgerStore& s) { return s.BeginMove(m); });
    spdlog::info("move planned assignment={} from={} to={} reason={}", key, source, node_name, placed_reason);
    Step("planned");
  }

  // 6. The panel holds exactly the client the spec describes; the links follow. The clients of
  //    a new user or of a move go in the panel's next batched add, and the batcher wakes this
  //    reconcile when it is done: a new user's Secret is saved first (the credentials the panel
  //    gets are the ones kept); a move keeps its journal entry and budget slot meanwhile. After
  //    a refused batch the user is tried alone, which reports the panel's own answer.
  const bool batched_add = deps_.batcher && ((newly_placed && source.empty()) || !move_id.empty());
  std::optional<Status> batched = batched_add ? deps_.batcher->TakeResult(key) : std::nullopt;
  Outcome out = Sync(a, node_name, *secret, batched_add && (!batched || batched->ok()), batched_add);
  if (!out.deferred.empty()) {
    if (move_id.empty()) {
      Result<kube::Json> saved = WriteLinks(*secret, out.links);
      if (!saved.ok()) return saved.status();
      std::lock_guard<std::mutex> l(mu_);
      new_choices_[key] = {node_name, placed_reason, std::move(saved).value()};
    } else {
      std::lock_guard<std::mutex> l(mu_);
      moves_in_flight_[key] = {move_id, source, node_name, placed_reason, *secret};
      slot.Keep();
    }
    deps_.batcher->Submit(out.session, key, std::move(out.deferred));
    return ReconcileResult{};
  }
  if (out.synced) {
    if (Result<kube::Json> saved = WriteLinks(*secret, out.links); !saved.ok()) {
      if (!move_id.empty()) AbandonMove(ns, name, source, move_id, placed_reason, saved.status().message());
      return saved.status();
    }
    next.credentials_secret_name = CredentialsSecretName(name);
  }
  if (!move_id.empty()) {
    if (!out.synced) {
      spdlog::warn("move failed assignment={} from={} to={} reason={} error={} (the user stays on {})", key, source,
                   node_name, out.reason, out.message, source);
      AbandonMove(ns, name, source, move_id, placed_reason, out.message);
      set(Cond(api::kPlaced, false, "MoveFailed",
               placed_reason + ": moving to " + node_name + " failed, still on " + source + ": " + out.message, gen));
      if (Status s = write(); !s.ok()) return s;
      return ReconcileResult{options_.retry_unplaced};
    }
    Journal("advance move " + move_id, [move_id](store::LedgerStore& s) {
      return s.AdvanceMove(move_id, store::MoveStep::kAddedOnTarget);
    });
    Step("added-on-target");
    next.migrations += 1;
    next.last_migration_time = now_text;
    set(Cond(api::kPlaced, true, placed_reason, "moved from " + source + " to " + node_name, gen));
  }

  // 7. Status: placed once the client is on the panel. For a move this write is the commit:
  //    before it the move is rolled back after a crash, after it it is finished.
  if (out.synced) next.node_name = node_name;
  set(Cond(api::kSynced, out.synced, out.reason, out.message, gen));
  const bool ready = out.synced && api::IsConditionTrue(next.conditions, api::kPlaced);
  set(Cond(api::kReady, ready, ready ? "Ready" : out.synced ? "NoTarget" : out.reason,
           ready ? "the user can connect through " + node_name : out.message, gen));
  next.phase = ready ? api::kPhaseReady : out.synced ? api::kPhasePlaced : next.node_name.empty() ? api::kPhasePending : api::kPhasePlaced;
  if (Status s = write(); !s.ok()) {
    if (!move_id.empty()) AbandonMove(ns, name, source, move_id, placed_reason, s.message());
    return s;
  }

  // 8. After the commit: the ledger, and a move's source is cleaned (make-before-break).
  if (!move_id.empty()) {
    spdlog::info("moved assignment={} from={} to={} reason={} migrations={}", key, source, node_name, placed_reason,
                 next.migrations);
    Step("committed");
    CompleteMove(*got, a, {move_id, ns, name, source, node_name, placed_reason});
    FinishRequest(key, node_name);
  } else if (newly_placed && out.synced) {
    spdlog::info("placed assignment={} node={} reason={}", key, node_name, placed_reason);
    if (deps_.ledger) deps_.ledger->RecordPlacement({ns, name, a.spec.user.id, a.spec.user.email, node_name, placed_reason});
  }
  if (newly_placed && out.synced) {
    std::lock_guard<std::mutex> l(mu_);
    new_choices_.erase(key);
  }

  // 9. Events, on transitions only.
  const api::Condition* was_synced = api::FindCondition(a.status.conditions, api::kSynced);
  // (Users placed through the batcher get one Event per batch, on the node, instead.)
  if (newly_placed && out.synced && !batched) {
    Event(*got, "Normal", "Placed", "Place", "placed on " + node_name + " (" + placed_reason + ")");
  } else if (out.repaired > 0 && out.synced && move_id.empty()) {
    spdlog::info("client repaired assignment={} node={} clients={}", key, node_name, out.repaired);
    Event(*got, "Normal", "ClientRepaired", "Repair",
          std::to_string(out.repaired) + " client(s) added or updated on " + node_name);
  }
  if (!out.synced && (!was_synced || was_synced->reason != out.reason)) {
    spdlog::warn("sync failed assignment={} node={} reason={} error={}", key, node_name, out.reason, out.message);
    Event(*got, "Warning", out.reason, "Sync", out.message);
  }
  if (!out.synced) result.requeue_after = options_.retry_unplaced;
  return result;
}

}  // namespace x3ui::controller
