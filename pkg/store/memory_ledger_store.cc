#include "pkg/store/memory_ledger_store.h"

#include <algorithm>
#include <set>

namespace x3ui::store {
namespace {

bool Terminal(MoveStep s) { return s == MoveStep::kDone || s == MoveStep::kRolledBack; }

Status CheckRecord(const PlacementRecord& p) {
  for (const auto* f : {&p.namespace_, &p.assignment, &p.user_id, &p.user_email, &p.node, &p.reason}) {
    if (f->find('\0') != std::string::npos) {
      return Status::InvalidArgument("placement of " + p.assignment + " contains a NUL byte");
    }
  }
  if (p.namespace_.empty() || p.assignment.empty() || p.node.empty()) {
    return Status::InvalidArgument("a placement needs namespace, assignment and node");
  }
  return Status::Ok();
}

}  // namespace

Status MemoryLedgerStore::Down() const {
  return available_ ? Status::Ok() : Status::Unavailable("database unreachable (memory store switched off)");
}

PlacementRow* MemoryLedgerStore::Active(const std::string& namespace_, const std::string& assignment) {
  for (auto& p : placements_) {
    if (p.active && p.record.namespace_ == namespace_ && p.record.assignment == assignment) return &p;
  }
  return nullptr;
}

Status MemoryLedgerStore::UpsertNodes(const std::vector<NodeRow>& nodes) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  bool changed = false;
  for (const auto& n : nodes) {
    auto& slot = nodes_[{n.namespace_, n.name}];
    if (!(slot == n)) {
      slot = n;
      changed = true;
    }
  }
  if (changed) ++writes_;
  return Status::Ok();
}

Status MemoryLedgerStore::DeleteNode(const std::string& namespace_, const std::string& name) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  if (nodes_.erase({namespace_, name})) ++writes_;
  return Status::Ok();
}

Status MemoryLedgerStore::RecordPlacements(const std::vector<PlacementRecord>& placements) {
  if (Status s = Down(); !s.ok()) return s;
  std::set<Key> seen;
  for (const auto& p : placements) {
    if (Status s = CheckRecord(p); !s.ok()) return s;
    if (!seen.insert({p.namespace_, p.assignment}).second) {
      return Status::InvalidArgument("placement batch lists " + p.namespace_ + "/" + p.assignment + " twice");
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  std::string conflicts;
  for (const auto& p : placements) {
    const PlacementRow* cur = Active(p.namespace_, p.assignment);
    if (cur != nullptr && cur->record.node != p.node) {
      conflicts += (conflicts.empty() ? "" : "; ") + p.namespace_ + "/" + p.assignment + " is active on " + cur->record.node;
    }
  }
  if (!conflicts.empty()) return Status::Conflict("placements not recorded: " + conflicts);
  bool changed = false;
  for (const auto& p : placements) {
    if (Active(p.namespace_, p.assignment) != nullptr) continue;
    placements_.push_back(PlacementRow{next_id_++, p, clock_->Now(), std::nullopt, true});
    changed = true;
  }
  if (changed) ++writes_;
  return Status::Ok();
}

Status MemoryLedgerStore::SwitchPlacement(const PlacementRecord& to, const std::string& from_node,
                                          const std::string& move_id) {
  if (Status s = Down(); !s.ok()) return s;
  if (Status s = CheckRecord(to); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  PlacementRow* cur = Active(to.namespace_, to.assignment);
  if (cur == nullptr) return Status::Conflict(to.namespace_ + "/" + to.assignment + " has no active placement to switch");
  if (cur->record.node != to.node) {
    if (cur->record.node != from_node) {
      return Status::Conflict(to.namespace_ + "/" + to.assignment + " is active on " + cur->record.node + ", not on " +
                              from_node);
    }
    cur->active = false;
    cur->released_at = clock_->Now();
    placements_.push_back(PlacementRow{next_id_++, to, clock_->Now(), std::nullopt, true});
    ++writes_;
  }
  // As the PostgreSQL store does: a switch whose journal entry is gone is still a switch.
  if (!move_id.empty()) (void)AdvanceLocked(move_id, MoveStep::kSwitched);
  return Status::Ok();
}

Status MemoryLedgerStore::ReleasePlacement(const std::string& namespace_, const std::string& assignment,
                                           const std::string& reason) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  PlacementRow* cur = Active(namespace_, assignment);
  if (cur == nullptr) return Status::Ok();
  cur->active = false;
  cur->released_at = clock_->Now();
  if (!reason.empty()) cur->record.reason = reason;
  ++writes_;
  return Status::Ok();
}

Result<std::optional<PlacementRow>> MemoryLedgerStore::ActivePlacement(const std::string& namespace_,
                                                                       const std::string& assignment) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  const PlacementRow* cur = Active(namespace_, assignment);
  return cur ? std::optional<PlacementRow>(*cur) : std::nullopt;
}

Result<std::vector<PlacementRow>> MemoryLedgerStore::ActivePlacementsOnNode(const std::string& namespace_,
                                                                            const std::string& node) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  std::vector<PlacementRow> out;
  for (const auto& p : placements_) {
    if (p.active && p.record.namespace_ == namespace_ && p.record.node == node) out.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.record.assignment < b.record.assignment; });
  return out;
}

Result<std::vector<PlacementRow>> MemoryLedgerStore::PlacementHistory(const std::string& namespace_,
                                                                      const std::string& assignment) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  std::vector<PlacementRow> out;
  for (const auto& p : placements_) {
    if (p.record.namespace_ == namespace_ && p.record.assignment == assignment) out.push_back(p);
  }
  return out;
}

Status MemoryLedgerStore::BeginMove(const JournalEntry& move) {
  if (Status s = Down(); !s.ok()) return s;
  if (move.move_id.empty()) return Status::InvalidArgument("a move needs a move_id");
  std::lock_guard<std::mutex> l(mu_);
  if (journal_.count(move.move_id)) return Status::Ok();
  for (const auto& [id, j] : journal_) {
    if (!Terminal(j.step) && j.namespace_ == move.namespace_ && j.assignment == move.assignment) {
      return Status::AlreadyExists(move.namespace_ + "/" + move.assignment + " already has an unfinished move");
    }
  }
  JournalEntry j = move;
  j.updated_at = clock_->Now();
  journal_[move.move_id] = j;
  journal_order_.push_back(move.move_id);
  ++writes_;
  return Status::Ok();
}

Status MemoryLedgerStore::AdvanceLocked(const std::string& move_id, MoveStep step) {
  auto it = journal_.find(move_id);
  if (it == journal_.end()) return Status::NotFound("no journaled move " + move_id);
  if (Terminal(it->second.step) || static_cast<int>(it->second.step) >= static_cast<int>(step)) return Status::Ok();
  it->second.step = step;
  it->second.updated_at = clock_->Now();
  ++writes_;
  return Status::Ok();
}

Status MemoryLedgerStore::AdvanceMove(const std::string& move_id, MoveStep step) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  return AdvanceLocked(move_id, step);
}

std::vector<JournalEntry> MemoryLedgerStore::OpenMovesLocked() const {
  std::vector<JournalEntry> out;
  for (const auto& id : journal_order_) {
    const JournalEntry& j = journal_.at(id);
    if (!Terminal(j.step)) out.push_back(j);
  }
  return out;
}

Result<std::vector<JournalEntry>> MemoryLedgerStore::OpenMoves() {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  return OpenMovesLocked();
}

Status MemoryLedgerStore::AddPendingRemoval(const PendingRemoval& removal) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [id, r] : removals_) {
    if (r.namespace_ == removal.namespace_ && r.node == removal.node && r.client_email == removal.client_email) {
      return Status::Ok();
    }
  }
  PendingRemoval r = removal;
  r.id = next_id_++;
  r.attempts = 0;
  r.last_error.clear();
  removals_[r.id] = r;
  ++writes_;
  return Status::Ok();
}

Result<std::vector<PendingRemoval>> MemoryLedgerStore::PendingRemovals(const std::string& namespace_,
                                                                       const std::string& node) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  std::vector<PendingRemoval> out;
  for (const auto& [id, r] : removals_) {
    if (r.namespace_ == namespace_ && r.node == node) out.push_back(r);
  }
  return out;
}

Status MemoryLedgerStore::CompletePendingRemoval(int64_t id) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  if (removals_.erase(id)) ++writes_;
  return Status::Ok();
}

Status MemoryLedgerStore::RecordRemovalFailure(int64_t id, const std::string& error) {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  auto it = removals_.find(id);
  if (it == removals_.end()) return Status::Ok();
  ++it->second.attempts;
  it->second.last_error = error;
  ++writes_;
  return Status::Ok();
}

Result<LedgerSnapshot> MemoryLedgerStore::LoadSnapshot() {
  if (Status s = Down(); !s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  LedgerSnapshot snap;
  for (const auto& [k, n] : nodes_) snap.nodes.push_back(n);
  for (const auto& p : placements_) {
    if (p.active) snap.active_placements.push_back(p);
  }
  std::sort(snap.active_placements.begin(), snap.active_placements.end(), [](const auto& a, const auto& b) {
    return std::tie(a.record.namespace_, a.record.assignment) < std::tie(b.record.namespace_, b.record.assignment);
  });
  snap.open_moves = OpenMovesLocked();
  for (const auto& [id, r] : removals_) snap.pending_removals.push_back(r);
  return snap;
}

}  // namespace x3ui::store
