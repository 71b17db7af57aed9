#include "controller/assignment/client_sync.h"

#include <algorithm>

#include "pkg/api/reasons.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {
namespace {

bool AnyOwnedClientListed(const api::VpnAssignment& a, const OpenedPanel& p) {
  for (const api::InboundRef* ref : WantedInbounds(p.node.spec, a.spec.inbounds)) {
    const panel::Inbound* inbound = FindInbound(*p.inbounds, *ref);
    if (inbound && FindClient(*inbound, OwnedClientEmail(a.metadata.namespace_, a.metadata.name, ref->name))) return true;
  }
  return false;
}

SyncOutcome Failed(std::string reason, std::string message) {
  SyncOutcome out;
  out.reason = std::move(reason);
  out.message = std::move(message);
  return out;
}

Result<OpenedPanel> OpenForSync(const PanelAccess& panels, const SyncRequest& r) {
  Result<OpenedPanel> opened = panels.Open(r.assignment->metadata.namespace_, r.node_name, r.stale_ok);
  if (opened.ok() && r.stale_ok && AnyOwnedClientListed(*r.assignment, *opened)) {
    Result<panel::PanelSession::Listing> fresh = panels.Listing(*opened->session, false);
    if (!fresh.ok()) return fresh.status();
    opened->inbounds = *std::move(fresh);
  }
  return opened;
}

}  // namespace

SyncOutcome SyncClients(const PanelAccess& panels, ExpectedKeys* expected_keys, const SyncRequest& r) {
  const api::VpnAssignment& a = *r.assignment;
  Result<OpenedPanel> opened = OpenForSync(panels, r);
  if (!opened.ok()) return Failed(opened.status().reason(), opened.status().message());
  const api::VpnNode& node = opened->node;
  auto& session = opened->session;

  SyncOutcome out;
  out.synced = true;
  out.reason = api::kReasonSynced;
  out.session = session;
  std::vector<const api::InboundRef*> wanted = WantedInbounds(node.spec, a.spec.inbounds);
  for (const auto& name : a.spec.inbounds) {
    if (std::none_of(wanted.begin(), wanted.end(), [&](const api::InboundRef* ref) { return ref->name == name; })) {
      return Failed(api::kReasonUnknownInbound, "spec.inbounds: node " + r.node_name + " has no inbound named " + name);
    }
  }
  for (const api::InboundRef* ref : wanted) {
    const panel::Inbound* inbound = FindInbound(*opened->inbounds, *ref);
    if (!inbound) return Failed(api::kReasonInboundMissing, "the panel of " + r.node_name + " has no inbound " + ref->name);
    panel::Client want = DesiredClient(a.metadata.namespace_, a.metadata.name, a.spec, ref->name, inbound->protocol, r.keys);
    const uint64_t keys = KeyFingerprint(want);
    if (expected_keys) expected_keys->Set(kube::ObjectKey{a.metadata.namespace_, a.metadata.name}.String(), ref->name, keys);
    const panel::Client* have = FindClient(*inbound, want.email);
    const bool stale = have && Stale(*have, want, keys);
    Status s = Status::Ok();
    if (!have && r.defer_adds) {
      out.deferred.push_back({panel::WithoutClients(*inbound), want});
    } else if (!have) {
      s = session->AddClientsVerified(*inbound, {want});
    } else if (stale) {
      panel::Client merged = Merge(*have, want);
      const std::string old_key = panel::ClientKey(inbound->protocol, *have);
      s = session->Mutate([&](panel::PanelClient& c) { return c.UpdateClient(*inbound, old_key, merged); });
    }
    if (!s.ok()) return Failed(s.reason().empty() ? api::kReasonPanelRefused : s.reason(), "inbound " + ref->name + ": " + s.message());
    if (!have || stale) ++out.repaired;
  }
  out.message = "client present on " + std::to_string(wanted.size()) + " inbound(s) of " + r.node_name;
  if (!out.deferred.empty()) {
    out.synced = false;
    out.reason = api::kReasonAdding;
    out.message = "waiting for the next batched add on " + r.node_name;
    out.repaired = 0;
  }
  return out;
}

Status RemoveUserClients(const PanelAccess& panels, const std::string& ns, const std::string& name,
                         const std::string& node) {
  if (node.empty()) return Status::Ok();
  Result<OpenedPanel> p = panels.Open(ns, node);
  if (!p.ok()) return NodeGone(p.status()) ? Status::Ok() : p.status();
  std::vector<std::string> emails;
  for (const auto& ref : p->node.spec.inbounds) emails.push_back(OwnedClientEmail(ns, name, ref.name));
  return DeleteOwnedClients(*p->session, *p->inbounds, emails);
}

}  // namespace x3ui::controller
