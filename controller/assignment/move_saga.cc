#include "controller/assignment/move_saga.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "controller/assignment/client_sync.h"
#include "controller/owned_clients.h"
#include "controller/record_event.h"
#include "pkg/api/json.h"
#include "pkg/api/reasons.h"
#include "pkg/kube/object_key.h"

namespace x3ui::controller {

void MoveSaga::Journal(const std::string& what, std::function<Status(store::LedgerStore&)> write) {
  if (deps_.ledger) deps_.ledger->Enqueue(what, std::move(write));
}

void MoveSaga::Step(const char* step) {
  if (deps_.on_move_step) deps_.on_move_step(step);
}

void MoveSaga::Begin(const store::JournalEntry& m) {
  Journal("begin move " + m.move_id, [m](store::LedgerStore& s) { return s.BeginMove(m); });
  spdlog::info("move planned assignment={}/{} from={} to={} reason={}", m.namespace_, m.assignment, m.from_node,
               m.to_node, m.reason);
  Step(move_step::kPlanned);
}

void MoveSaga::AddedOnTarget(const std::string& move_id) {
  Journal("advance move " + move_id,
          [move_id](store::LedgerStore& s) { return s.AdvanceMove(move_id, store::MoveStep::kAddedOnTarget); });
  Step(move_step::kAddedOnTarget);
}

void MoveSaga::Complete(const kube::Json& obj, const api::VpnAssignment& a, const store::JournalEntry& m) {
  if (deps_.ledger) {
    store::PlacementRecord to{m.namespace_, m.assignment, a.spec.user.id, a.spec.user.email, m.to_node, m.reason};
    deps_.ledger->Enqueue("switch " + m.move_id, [to, m](store::LedgerStore& s) {
      return s.SwitchPlacement(to, m.from_node, m.move_id);
    });
  }
  Step(move_step::kSwitched);
  // A dead node's users are told by their status (Placed: "moved from ... to ...", migrations):
  // an Event each would add a write per user to the failover of thousands.
  if (m.reason != api::kReasonNodeUnreachable) {
    RecordEvent(deps_.events, obj, "Normal", api::kReasonMigrated, "Migrate",
                "moved from " + m.from_node + " to " + m.to_node + " (" + m.reason + "), same credentials");
  }
  if (deps_.metrics) deps_.metrics->Migration(m.reason, "success");
  if (RemoveOrDefer(m.namespace_, m.assignment, m.from_node, m.reason)) {
    Journal("advance move " + m.move_id, [id = m.move_id](store::LedgerStore& s) {
      return s.AdvanceMove(id, store::MoveStep::kRemovedFromSource);
    });
  }
  // The source is dealt with either way: its clients are gone, or they wait in the ledger's
  // pending removals (which the pending-removals controller works off).
  Step(move_step::kRemovedFromSource);
  Journal("finish move " + m.move_id, [id = m.move_id](store::LedgerStore& s) { return s.AdvanceMove(id, store::MoveStep::kDone); });
}

void MoveSaga::Abandon(const std::string& ns, const std::string& name, const std::string& source,
                       const std::string& move_id, const std::string& reason, const std::string& why) {
  if (!move_id.empty()) {
    Journal("roll back move " + move_id, [move_id](store::LedgerStore& s) {
      return s.AdvanceMove(move_id, store::MoveStep::kRolledBack);
    });
    if (deps_.metrics) deps_.metrics->Migration(reason, "failure");
  }
  deps_.book->Abandon(kube::ObjectKey{ns, name}.String(), source.empty() ? "" : kube::ObjectKey{ns, source}.String(), why);
}

void MoveSaga::RollBack(const store::JournalEntry& m) {
  RemoveOrDefer(m.namespace_, m.assignment, m.to_node, api::kReasonRolledBack);
  Journal("roll back move " + m.move_id, [id = m.move_id](store::LedgerStore& s) {
    return s.AdvanceMove(id, store::MoveStep::kRolledBack);
  });
}

bool MoveSaga::RemoveOrDefer(const std::string& ns, const std::string& name, const std::string& node,
                             const std::string& reason) {
  // A node declared Unreachable is not asked (a dead panel may cost a timeout per user): its
  // clients wait in the ledger until it answers again.
  std::vector<balancer::NodeView> views = deps_.nodes(ns);
  const bool unreachable = std::any_of(views.begin(), views.end(), [&](const balancer::NodeView& v) {
    return v.name == node && v.phase == api::kPhaseUnreachable;
  });
  Status removed = unreachable ? Status::Unavailable(node + " is Unreachable") : RemoveUserClients(*deps_.panels, ns, name, node);
  if (removed.ok()) return true;
  // (A node known to be Unreachable is not news: a failover of thousands would log thousands
  // of warnings.)
  spdlog::log(unreachable ? spdlog::level::debug : spdlog::level::warn,
              "the clients of VpnAssignment {}/{} stay on {} for now: {}", ns, name, node, removed.message());
  Result<kube::Json> got = deps_.panels->ReadNode(ns, node);
  Result<api::VpnNode> decoded = got.ok() ? api::DecodeVpnNode(*got) : Result<api::VpnNode>(got.status());
  if (!decoded.ok() || !deps_.ledger) return false;
  for (const auto& ref : decoded->spec.inbounds) {
    store::PendingRemoval r{0, ns, node, OwnedClientEmail(ns, name, ref.name), name, reason, 0, removed.message()};
    deps_.ledger->Enqueue("pending removal on " + node, [r](store::LedgerStore& s) { return s.AddPendingRemoval(r); });
  }
  return false;
}

}  // namespace x3ui::controller
