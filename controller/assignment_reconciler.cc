#include "controller/assignment_reconciler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

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

// The client the spec describes on `inbound`, with the user's kept credentials.
panel::Client DesiredClient(const api::VpnAssignment& a, const panel::Inbound& inbound, const std::string& inbound_name,
                            const kube::Json& secret) {
  panel::Client c;
  c.email = OwnedClientEmail(a.metadata.namespace_, a.metadata.name, inbound_name);
  if (inbound.protocol == "vless" || inbound.protocol == "vmess") c.id = SecretValue(secret, "uuid");
  if (inbound.protocol == "trojan" || inbound.protocol == "shadowsocks") c.password = SecretValue(secret, "password");
  if (inbound.protocol == "vmess") c.security = "auto";
  ApplySpec(a.spec, &c);
  c.sub_id = SecretValue(secret, "subId");
  c.comment = OwnedClientComment(a.metadata.namespace_, a.metadata.name);
  return c;
}

// Whether the fields the operator manages differ; the rest (flow, tgId, reset...) is left alone.
bool Stale(const panel::Client& have, const panel::Client& want) {
  return have.id != want.id || have.password != want.password || have.limit_ip != want.limit_ip ||
         have.total_bytes != want.total_bytes || have.expiry_time != want.expiry_time || have.enable != want.enable ||
         have.sub_id != want.sub_id || have.comment != want.comment;
}

panel::Client Merge(panel::Client have, const panel::Client& want) {
  have.id = want.id;
  have.password = want.password;
  have.limit_ip = want.limit_ip;
  have.total_bytes = want.total_bytes;
  have.expiry_time = want.expiry_time;
  have.enable = want.enable;
  have.sub_id = want.sub_id;
  have.comment = want.comment;
  return have;
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

void AssignmentReconciler::Observe(const std::string& ns, const std::string& name, const std::string& node_name) {
  // An empty nodeName may be an older copy than a placement this process just made: keep that.
  if (node_name.empty()) return;
  std::lock_guard<std::mutex> l(mu_);
  placed_[ns + "/" + name] = ns + "/" + node_name;
}

void AssignmentReconciler::Forget(const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  placed_.erase(ns + "/" + name);
}

int64_t AssignmentReconciler::UsersOn(const std::string& node_key) const {
  std::lock_guard<std::mutex> l(mu_);
  return UsersOnLocked(node_key);
}

std::vector<std::string> AssignmentReconciler::PlacedOn(const std::string& node_key) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> names;
  for (const auto& [user, node] : placed_) {
    if (node == node_key) names.push_back(user.substr(user.find('/') + 1));
  }
  return names;
}

int64_t AssignmentReconciler::UsersOnLocked(const std::string& node_key) const {
  return std::count_if(placed_.begin(), placed_.end(), [&](const auto& kv) { return kv.second == node_key; });
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
  return got.ok() ? deps_.kube->Update(kube::kSecrets, ns, secret) : deps_.kube->Create(kube::kSecrets, ns, secret);
}

Status AssignmentReconciler::WriteLinks(kube::Json secret, const std::vector<std::string>& links) {
  std::string joined;
  for (const auto& l : links) joined += l + "\n";
  const std::string links_b64 = Base64Encode(joined);
  const std::string sub_b64 = Base64Encode(panel::SubscriptionBody(links));
  if (secret["data"].value("links", "") == links_b64 && secret["data"].value("subscription", "") == sub_b64) {
    return Status::Ok();
  }
  secret["data"]["links"] = links_b64;
  secret["data"]["subscription"] = sub_b64;
  return deps_.kube->Update(kube::kSecrets, secret["metadata"].value("namespace", ""), secret).status();
}

AssignmentReconciler::Outcome AssignmentReconciler::Sync(const api::VpnAssignment& a, const std::string& node_name,
                                                         const kube::Json& secret) {
  Result<OpenedPanel> opened = OpenPanel(a.metadata.namespace_, node_name);
  if (!opened.ok()) return {false, opened.status().reason(), opened.status().message(), {}};
  const api::VpnNode* node = &opened->node;
  const std::vector<panel::Inbound>* on_panel = &opened->inbounds;
  auto& session = opened->session;

  Outcome out{true, "Synced", "", {}, 0};
  std::vector<const api::InboundRef*> wanted = WantedInbounds(node->spec, a.spec.inbounds);
  for (const auto& name : a.spec.inbounds) {
    if (std::none_of(wanted.begin(), wanted.end(), [&](const api::InboundRef* r) { return r->name == name; })) {
      return {false, "UnknownInbound", "spec.inbounds: node " + node_name + " has no inbound named " + name, {}};
    }
  }
  for (const api::InboundRef* ref : wanted) {
    const panel::Inbound* inbound = FindInbound(*on_panel, *ref);
    if (!inbound) return {false, "InboundMissing", "the panel of " + node_name + " has no inbound " + ref->name, {}};
    panel::Client want = DesiredClient(a, *inbound, ref->name, secret);
    const panel::Client* have = FindClient(*inbound, want.email);
    Status s = Status::Ok();
    if (!have) {
      s = session->AddClientsVerified(*inbound, {want});
    } else if (Stale(*have, want)) {
      panel::Client merged = Merge(*have, want);
      const std::string old_key = panel::ClientKey(inbound->protocol, *have);
      s = session->Mutate([&](panel::PanelClient& c) { return c.UpdateClient(*inbound, old_key, merged); });
    }
    if (!s.ok()) return {false, s.reason().empty() ? "PanelRefused" : s.reason(), "inbound " + ref->name + ": " + s.message(), {}};
    if (!have || Stale(*have, want)) ++out.repaired;
    if (auto link = panel::ShareLink(*inbound, want, node->spec.public_host); link.ok()) out.links.push_back(*link);
  }
  out.message = "client present on " + std::to_string(wanted.size()) + " inbound(s) of " + node_name;
  return out;
}

Result<AssignmentReconciler::OpenedPanel> AssignmentReconciler::OpenPanel(const std::string& ns,
                                                                           const std::string& node_name) {
  Result<kube::Json> got = deps_.kube->Get(kube::kVpnNodes, ns, node_name);
  if (!got.ok()) return got.status().WithContext("reading VpnNode " + node_name).WithReason("NodeUnavailable");
  Result<api::VpnNode> node = api::DecodeVpnNode(*got);
  if (!node.ok()) return node.status().WithReason("NodeUnavailable");
  std::string reason;
  auto endpoint = PanelEndpointFor(*deps_.kube, *node, options_.panel_timeout, &reason);
  if (!endpoint.ok()) return endpoint.status().WithContext("node " + node_name).WithReason(reason);
  auto session = deps_.panels->Get(ns + "/" + node_name, *endpoint);
  if (!session.ok()) return session.status().WithReason("PanelUnavailable");
  Result<std::vector<panel::Inbound>> inbounds = (*session)->client().ListInbounds();
  if (!inbounds.ok()) return inbounds.status().WithContext("listing inbounds").WithReason("PanelUnavailable");
  return OpenedPanel{std::move(node).value(), std::move(session).value(), std::move(inbounds).value()};
}

Status AssignmentReconciler::RemoveClients(const api::VpnAssignment& a) {
  const std::string& ns = a.metadata.namespace_;
  if (a.status.node_name.empty()) return Status::Ok();
  Result<OpenedPanel> p = OpenPanel(ns, a.status.node_name);
  if (!p.ok()) return NodeGone(p.status()) ? Status::Ok() : p.status();
  std::vector<std::string> emails;
  for (const auto& ref : p->node.spec.inbounds) emails.push_back(OwnedClientEmail(ns, a.metadata.name, ref.name));
  return DeleteOwnedClients(*p->session, p->inbounds, emails);
}

Status AssignmentReconciler::RemovePending(const std::string& ns, const std::string& node) {
  if (!deps_.store) return Status::Ok();
  Result<std::vector<store::PendingRemoval>> pending = deps_.store->PendingRemovals(ns, node);
  if (!pending.ok() || pending->empty()) return pending.status();
  Result<OpenedPanel> p = OpenPanel(ns, node);
  for (const auto& r : *pending) {
    // A user that has come back to this node keeps its client; a deleted node keeps nothing.
    Result<kube::Json> a = deps_.kube->Get(kube::kVpnAssignments, ns, r.assignment);
    if (!a.ok() && a.status().code() != Status::Code::kNotFound) return a.status();
    const bool back = a.ok() && AssignedNode(*a) == node;
    Status s = back || (!p.ok() && NodeGone(p.status())) ? Status::Ok()
               : !p.ok()                                 ? p.status()
                                                         : DeleteOwnedClients(*p->session, p->inbounds, {r.client_email});
    if (!s.ok()) {
      if (Status w = deps_.store->RecordRemovalFailure(r.id, s.message()); !w.ok()) return w;
      return s;
    }
    if (Status w = deps_.store->CompletePendingRemoval(r.id); !w.ok()) return w;
  }
  return Status::Ok();
}

void AssignmentReconciler::CompleteMove(const kube::Json& obj, const api::VpnAssignment& a, const std::string& source,
                                        const std::string& target, const std::string& reason) {
  const std::string& ns = a.metadata.namespace_;
  const std::string& name = a.metadata.name;
  if (deps_.ledger) {
    store::PlacementRecord to{ns, name, a.spec.user.id, a.spec.user.email, target, reason};
    deps_.ledger->Enqueue("switch " + ns + "/" + name + " to " + target,
                          [to, source](store::LedgerStore& s) { return s.SwitchPlacement(to, source, ""); });
  }
  Event(obj, "Normal", "Migrated", "Migrate", "moved from " + source + " to " + target + " (" + reason + "), same credentials");
  api::VpnAssignment at_source = a;
  at_source.status.node_name = source;
  Status removed = RemoveClients(at_source);
  if (removed.ok()) return;
  // The source is down: its clients wait in the ledger until it answers again.
  spdlog::warn("VpnAssignment {}/{} moved to {}; its clients stay on {} for now: {}", ns, name, target, source,
               removed.message());
  Result<kube::Json> node = deps_.kube->Get(kube::kVpnNodes, ns, source);
  Result<api::VpnNode> decoded = node.ok() ? api::DecodeVpnNode(*node) : Result<api::VpnNode>(node.status());
  if (!decoded.ok() || !deps_.ledger) return;
  for (const auto& ref : decoded->spec.inbounds) {
    store::PendingRemoval r{0, ns, source, OwnedClientEmail(ns, name, ref.name), name, reason, 0, removed.message()};
    deps_.ledger->Enqueue("pending removal on " + source, [r](store::LedgerStore& s) { return s.AddPendingRemoval(r); });
  }
}

Result<ReconcileResult> AssignmentReconciler::Finalize(const kube::Json& obj, const api::VpnAssignment& a) {
  const auto& finalizers = a.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), kPanelClientsFinalizer) == finalizers.end()) {
    return ReconcileResult{};
  }
  if (Status s = RemoveClients(a); !s.ok()) {
    const api::Condition* was = api::FindCondition(a.status.conditions, api::kReady);
    if (!was || was->reason != "CleanupPending") {
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
  kube::Json next = obj;
  auto& list = next["metadata"]["finalizers"];
  list.erase(std::remove(list.begin(), list.end(), kube::Json(kPanelClientsFinalizer)), list.end());
  if (Result<kube::Json> w = deps_.kube->Update(kube::kVpnAssignments, a.metadata.namespace_, next);
      !w.ok() && w.status().code() != Status::Code::kNotFound) {
    return w.status();
  }
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
  Result<kube::Json> got = deps_.kube->Get(kube::kVpnAssignments, ns, name);
  if (!got.ok()) {
    if (got.status().code() != Status::Code::kNotFound) return got.status();
    Forget(ns, name);
    return ReconcileResult{};
  }
  Result<api::VpnAssignment> decoded = api::DecodeVpnAssignment(*got);
  if (!decoded.ok()) return decoded.status().WithContext("VpnAssignment " + ns + "/" + name);
  if (decoded->metadata.deleting()) return Finalize(*got, *decoded);
  // The finalizer goes on before any client exists, so that no deletion can miss one.
  if (std::find(decoded->metadata.finalizers.begin(), decoded->metadata.finalizers.end(), kPanelClientsFinalizer) ==
      decoded->metadata.finalizers.end()) {
    kube::Json with = *got;
    with["metadata"]["finalizers"].push_back(kPanelClientsFinalizer);
    got = deps_.kube->Update(kube::kVpnAssignments, ns, with);
    if (!got.ok()) return got.status();
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
    return deps_.kube->UpdateStatus(kube::kVpnAssignments, ns, api::Encode(updated)).status();
  };
  ReconcileResult result{options_.resync};

  // 2. A spec the schema could not catch: say which fields, touch nothing.
  if (FieldErrors errs = api::ValidateVpnAssignment(a); !errs.empty()) {
    if (next.node_name.empty()) next.phase = api::kPhaseFailed;
    set(Cond(api::kReady, false, "InvalidSpec", Status::Invalid(errs).message(), gen));
    if (Status s = write(); !s.ok()) return s;
    return ReconcileResult{};
  }

  // 3. Choose the node, and count the user there before anyone else chooses.
  std::string node_name, placed_reason, source;  // source: the node a move leaves
  {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<balancer::NodeView> views = deps_.nodes(ns);
    for (auto& v : views) v.users = UsersOnLocked(ns + "/" + v.name);
    balancer::PlacementRequest req{ns + "/" + name, a.spec.node_name, a.spec.node_selector, a.status.node_name, false};
    Result<balancer::Placement> p = policy_.Choose(views, req);
    if (!p.ok() && a.status.node_name.empty()) {
      // Name the field to change when a pin is what cannot be honoured.
      const std::string why = (a.spec.node_name.empty() ? "" : "spec.nodeName: ") + p.status().message();
      next.phase = api::kPhasePending;
      set(Cond(api::kPlaced, false, "Unschedulable", why, gen));
      set(Cond(api::kReady, false, "Unschedulable", why, gen));
      if (Status s = write(); !s.ok()) return s;
      return ReconcileResult{options_.retry_unplaced};
    }
    if (!p.ok()) {
      node_name = a.status.node_name;  // it should leave, but there is nowhere to go: stay
      set(Cond(api::kPlaced, false, "NoTarget", p.status().message(), gen));
    } else {
      node_name = p->node;
      placed_reason = p->reason;
      if (p->kind == balancer::Placement::Kind::kMove) source = a.status.node_name;
      // A user staying put keeps the reason it was placed for (no status churn Balanced -> Sticky).
      const Condition* was = api::FindCondition(next.conditions, api::kPlaced);
      if (p->kind == balancer::Placement::Kind::kNew || !was || was->status != api::kConditionTrue) {
        if (source.empty()) set(Cond(api::kPlaced, true, p->reason, "placed on " + node_name, gen));
      }
    }
    placed_[ns + "/" + name] = ns + "/" + node_name;
  }
  const bool newly_placed = next.node_name.empty();

  // 4. The user's credentials, created once and kept across every move.
  Result<kube::Json> secret = EnsureCredentials(a);
  if (!secret.ok()) {
    if (secret.status().reason() != "SecretConflict") return secret.status();
    set(Cond(api::kReady, false, "SecretConflict", secret.status().message(), gen));
    if (Status s = write(); !s.ok()) return s;
    return ReconcileResult{options_.retry_unplaced};
  }
  next.credentials_secret_name = CredentialsSecretName(name);

  // 5. The panel holds exactly the client the spec describes; the links follow.
  Outcome out = Sync(a, node_name, *secret);
  if (out.synced) {
    if (Status s = WriteLinks(*secret, out.links); !s.ok()) return s;
  }

  // 6. The ledger records where the user is; a move then leaves its source (make-before-break).
  if (newly_placed && out.synced && deps_.ledger) {
    deps_.ledger->RecordPlacement({ns, name, a.spec.user.id, a.spec.user.email, node_name, placed_reason});
  }
  if (!source.empty()) {
    if (deps_.metrics) deps_.metrics->Migration(placed_reason, out.synced ? "success" : "failure");
    if (!out.synced) {
      Forget(ns, name);
      Observe(ns, name, source);
      set(Cond(api::kPlaced, false, "MoveFailed",
               placed_reason + ": moving to " + node_name + " failed, still on " + source + ": " + out.message, gen));
      if (Status s = write(); !s.ok()) return s;
      return ReconcileResult{options_.retry_unplaced};
    }
    CompleteMove(*got, a, source, node_name, placed_reason);
    next.migrations += 1;
    next.last_migration_time = now_text;
    set(Cond(api::kPlaced, true, placed_reason, "moved from " + source + " to " + node_name, gen));
  }

  // 7. Events, on transitions only.
  const api::Condition* was_synced = api::FindCondition(a.status.conditions, api::kSynced);
  if (newly_placed && out.synced && source.empty()) {
    Event(*got, "Normal", "Placed", "Place", "placed on " + node_name + " (" + placed_reason + ")");
  } else if (out.repaired > 0 && out.synced && source.empty()) {
    Event(*got, "Normal", "ClientRepaired", "Repair",
          std::to_string(out.repaired) + " client(s) added or updated on " + node_name);
  }
  if (!out.synced && (!was_synced || was_synced->reason != out.reason)) {
    Event(*got, "Warning", out.reason, "Sync", out.message);
  }

  // 8. Status: placed once the client is on the panel.
  if (out.synced) next.node_name = node_name;
  set(Cond(api::kSynced, out.synced, out.reason, out.message, gen));
  const bool ready = out.synced && api::IsConditionTrue(next.conditions, api::kPlaced);
  set(Cond(api::kReady, ready, ready ? "Ready" : out.synced ? "NoTarget" : out.reason,
           ready ? "the user can connect through " + node_name : out.message, gen));
  next.phase = ready ? api::kPhaseReady : out.synced ? api::kPhasePlaced : next.node_name.empty() ? api::kPhasePending : api::kPhasePlaced;
  if (Status s = write(); !s.ok()) return s;
  if (!out.synced) result.requeue_after = options_.retry_unplaced;
  return result;
}

}  // namespace x3ui::controller
