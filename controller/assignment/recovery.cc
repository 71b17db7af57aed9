// After a restart, and whenever the ledger is audited: the migration journal's half-done moves
// finished or rolled back, the ledger's placements made to agree with the assignments' status,
// and the clients a dead node kept removed once it answers.
#include <map>

#include <spdlog/spdlog.h>

#include "controller/assignment/reconciler.h"
#include "controller/owned_clients.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

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
      saga_.Complete(*obj, *a, m);
      ++finished;
      continue;
    }
    // Not committed: the user is still served by its source; the target's copy goes.
    saga_.RollBack(m);
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
    if (ns.empty() || row.record.namespace_ == ns) active[kube::ObjectKey{row.record.namespace_, row.record.assignment}.String()] = row.record.node;
  }
  int fixed = 0;
  for (const auto& obj : assignments) {
    const auto& meta = obj["metadata"];
    const std::string a_ns = meta.value("namespace", ""), name = meta.value("name", ""), node = api::AssignedNode(obj);
    auto it = active.find(kube::ObjectKey{a_ns, name}.String());
    const std::string in_ledger = it == active.end() ? "" : it->second;
    if (it != active.end()) active.erase(it);
    if (node == in_ledger) continue;
    ++fixed;
    spdlog::debug("ledger corrected assignment={}/{} ledger_node={} status_node={}", a_ns, name,
                  in_ledger.empty() ? "none" : in_ledger, node.empty() ? "none" : node);
    const auto& user = obj.value("spec", kube::Json::object()).value("user", kube::Json::object());
    store::PlacementRecord to{a_ns, name, user.value("id", ""), user.value("email", ""), node, api::kReasonRecovered};
    if (node.empty()) {
      saga_.Journal("release " + name, [a_ns, name](store::LedgerStore& s) { return s.ReleasePlacement(a_ns, name, api::kReasonNotPlaced); });
    } else if (in_ledger.empty()) {
      deps_.ledger->RecordPlacement(to);
    } else {
      saga_.Journal("switch " + name, [to, in_ledger](store::LedgerStore& s) { return s.SwitchPlacement(to, in_ledger, ""); });
    }
  }
  for (const auto& [key, node] : active) {
    const kube::ObjectKey gone = kube::ObjectKey::Parse(key);
    ++fixed;
    saga_.Journal("release " + gone.name,
                  [gone](store::LedgerStore& s) { return s.ReleasePlacement(gone.ns, gone.name, api::kReasonDeleted); });
  }
  if (fixed > 0) spdlog::info("ledger corrected placements={} (to match the assignments' status)", fixed);
  return Status::Ok();
}

Status AssignmentReconciler::RemovePending(const std::string& ns, const std::string& node) {
  if (!deps_.store) return Status::Ok();
  Result<std::vector<store::PendingRemoval>> pending = deps_.store->PendingRemovals(ns, node);
  if (!pending.ok() || pending->empty()) return pending.status();
  Result<OpenedPanel> p = panels_.Open(ns, node);
  size_t done = 0;
  for (const auto& r : *pending) {
    // A user that has come back to this node keeps its client; a deleted node keeps nothing.
    Result<kube::Json> a = ReadAssignment(ns, r.assignment);
    if (!a.ok() && a.status().code() != Status::Code::kNotFound) return a.status();
    const bool back = a.ok() && api::AssignedNode(*a) == node;
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

}  // namespace x3ui::controller
