#include "pkg/store/pg_ledger_store.h"

#include <map>
#include <set>

#include <pqxx/pqxx>

#include "pkg/store/schema.h"

namespace x3ui::store {

namespace {

// --- values in and out ---------------------------------------------------------------------------

int64_t ToMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromMicros(int64_t us) { return TimePoint(std::chrono::microseconds(us)); }

// PostgreSQL text cannot hold NUL; say so rather than let libpq cut the value short.
Status CheckText(const std::string& field, const std::string& v) {
  if (v.find('\0') != std::string::npos) return Status::InvalidArgument(field + " contains a NUL byte");
  return Status::Ok();
}

// An array literal for a text[] parameter: every element double-quoted with " and \ escaped,
// so any text (quotes, braces, commas, backslashes) arrives unchanged.
std::string TextArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string IntArray(const std::vector<std::optional<int64_t>>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += v[i] ? std::to_string(*v[i]) : "NULL";
  }
  return out + "}";
}

// Time columns are read as integer microseconds since the epoch (exact; extract() is numeric).
#define X3UI_MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"

constexpr char kPlacementColumns[] =
    "id, namespace, assignment, user_id, user_email, node, reason, " X3UI_MICROS("assigned_at") ", " X3UI_MICROS(
        "released_at") ", active";

PlacementRow ReadPlacement(const pqxx::row& r) {
  PlacementRow p;
  p.id = r[0].as<int64_t>();
  p.record = {r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
              r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>()};
  p.assigned_at = FromMicros(r[7].as<int64_t>());
  if (!r[8].is_null()) p.released_at = FromMicros(r[8].as<int64_t>());
  p.active = r[9].as<bool>();
  return p;
}

constexpr char kJournalColumns[] =
    "move_id, namespace, assignment, from_node, to_node, reason, step, " X3UI_MICROS("updated_at");

JournalEntry ReadJournal(const pqxx::row& r) {
  JournalEntry j;
  j.move_id = r[0].as<std::string>();
  j.namespace_ = r[1].as<std::string>();
  j.assignment = r[2].as<std::string>();
  j.from_node = r[3].as<std::string>();
  j.to_node = r[4].as<std::string>();
  j.reason = r[5].as<std::string>();
  j.step = ParseMoveStep(r[6].as<std::string>()).value_or(MoveStep::kPlanned);
  j.updated_at = FromMicros(r[7].as<int64_t>());
  return j;
}

constexpr char kRemovalColumns[] = "id, namespace, node, client_email, assignment, reason, attempts, last_error";

PendingRemoval ReadRemoval(const pqxx::row& r) {
  return PendingRemoval{r[0].as<int64_t>(),     r[1].as<std::string>(), r[2].as<std::string>(),
                        r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                        r[6].as<int64_t>(),     r[7].as<std::string>()};
}

constexpr char kNodeColumns[] =
    "namespace, name, url, public_host, max_users, priority, weight, region, status, " X3UI_MICROS("last_check");

NodeRow ReadNode(const pqxx::row& r) {
  NodeRow n{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
            r[4].as<int64_t>(),     r[5].as<int64_t>(),     r[6].as<int64_t>(),     r[7].as<std::string>(),
            r[8].as<std::string>(), std::nullopt};
  if (!r[9].is_null()) n.last_check = FromMicros(r[9].as<int64_t>());
  return n;
}

// --- statements ------------------------------------------------------------------------------------

constexpr char kUpsertNodes[] = R"sql(
INSERT INTO vpn_nodes AS n (namespace, name, url, public_host, max_users, priority, weight, region, status, last_check)
SELECT t.namespace, t.name, t.url, t.public_host, t.max_users, t.priority, t.weight, t.region, t.status,
       timestamptz 'epoch' + t.last_check_us * interval '1 microsecond'
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
            $8::text[], $9::text[], $10::bigint[])
  AS t(namespace, name, url, public_host, max_users, priority, weight, region, status, last_check_us)
ON CONFLICT (namespace, name) DO UPDATE SET
  url = EXCLUDED.url, public_host = EXCLUDED.public_host, max_users = EXCLUDED.max_users,
  priority = EXCLUDED.priority, weight = EXCLUDED.weight, region = EXCLUDED.region,
  status = EXCLUDED.status, last_check = EXCLUDED.last_check, updated_at = now()
WHERE (n.url, n.public_host, n.max_users, n.priority, n.weight, n.region, n.status, n.last_check)
  IS DISTINCT FROM (EXCLUDED.url, EXCLUDED.public_host, EXCLUDED.max_users, EXCLUDED.priority,
                    EXCLUDED.weight, EXCLUDED.region, EXCLUDED.status, EXCLUDED.last_check)
)sql";

// All or nothing: users already active on the wanted node are skipped, any active elsewhere
// aborts the batch. Rows that a concurrent writer took between our read and our insert show up
// as neither inserted nor already placed.
constexpr char kRecordPlacements[] = R"sql(
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS t(namespace, assignment, user_id, user_email, node, reason)),
cur AS (
  SELECT i.namespace, i.assignment, i.node AS wanted, u.node AS active_node
  FROM input i JOIN user_node_assignments u
    ON u.namespace = i.namespace AND u.assignment = i.assignment AND u.active),
ins AS (
  INSERT INTO user_node_assignments (namespace, assignment, user_id, user_email, node, reason)
  SELECT i.namespace, i.assignment, i.user_id, i.user_email, i.node, i.reason FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.wanted <> cur.active_node)
    AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.namespace = i.namespace AND cur.assignment = i.assignment)
  ON CONFLICT (namespace, assignment) WHERE active DO NOTHING
  RETURNING 1)
SELECT (SELECT count(*) FROM ins),
       (SELECT count(*) FROM cur WHERE wanted = active_node),
       (SELECT coalesce(string_agg(namespace || '/' || assignment || ' is active on ' || active_node, '; '), '')
          FROM cur WHERE wanted <> active_node)
)sql";

constexpr char kStepOrder[] =
    "ARRAY['planned','added-on-target','switched','removed-from-source','done','rolled-back']::text[]";

const std::string kAdvanceMove = std::string(
    "UPDATE migration_journal SET step = $2, updated_at = now() "
    "WHERE move_id = $1 AND step NOT IN ('done', 'rolled-back') "
    "AND array_position(") + kStepOrder + ", step) < array_position(" + kStepOrder + ", $2::text)";

Status CheckRecord(const PlacementRecord& p) {
  for (const auto* f : {&p.namespace_, &p.assignment, &p.user_id, &p.user_email, &p.node, &p.reason}) {
    Status s = CheckText("placement of " + p.assignment, *f);
    if (!s.ok()) return s;
  }
  if (p.namespace_.empty() || p.assignment.empty() || p.node.empty()) {
    return Status::InvalidArgument("a placement needs namespace, assignment and node");
  }
  return Status::Ok();
}

}  // namespace

PgLedgerStore::PgLedgerStore(std::unique_ptr<PgConnectionPool> pool) : pool_(std::move(pool)) {}
PgLedgerStore::~PgLedgerStore() = default;

Result<std::unique_ptr<PgLedgerStore>> PgLedgerStore::Open(const std::string& dsn, PgOptions options) {
  Result<std::unique_ptr<PgLedgerStore>> store = OpenWhenReachable(dsn, options);
  if (!store.ok()) return store;
  if (Status s = (*store)->SchemaStatus(); !s.ok()) return s;
  return store;
}

Result<std::unique_ptr<PgLedgerStore>> PgLedgerStore::OpenWhenReachable(const std::string& dsn, PgOptions options) {
  Result<std::unique_ptr<PgConnectionPool>> pool = PgConnectionPool::Open(dsn, options);
  if (!pool.ok()) return pool.status();
  auto store = std::unique_ptr<PgLedgerStore>(new PgLedgerStore(std::move(pool).value()));
  (void)store->EnsureSchema();  // its outcome is SchemaStatus()
  return store;
}

Status PgLedgerStore::SchemaStatus() const {
  std::lock_guard<std::mutex> l(error_mu_);
  return schema_error_;
}

Status PgLedgerStore::EnsureSchema() {
  if (schema_ready_.load()) return Status::Ok();
  std::unique_lock<std::mutex> migrating(migrating_, std::try_to_lock);
  if (!migrating.owns_lock()) return Status::Unavailable("the ledger's schema is being applied").WithReason(kReasonSchemaBeingApplied);
  if (schema_ready_.load()) return Status::Ok();
  Status s = MigrateDatabase(*pool_);
  if (s.ok()) schema_ready_.store(true);
  std::lock_guard<std::mutex> l(error_mu_);
  schema_error_ = s;
  return s;
}

Status PgLedgerStore::With(const std::string& what, const PgConnectionPool::Work& fn) {
  if (Status s = EnsureSchema(); !s.ok()) return s.WithContext(what);
  return pool_->Run(what, fn);
}

Status PgLedgerStore::UpsertNodes(const std::vector<NodeRow>& nodes) {
  if (nodes.empty()) return Status::Ok();
  // ON CONFLICT DO UPDATE may touch a row once per statement: the last row for a key wins.
  std::map<std::pair<std::string, std::string>, const NodeRow*> unique;
  for (const auto& n : nodes) {
    for (const auto* f : {&n.namespace_, &n.name, &n.url, &n.public_host, &n.region, &n.status}) {
      Status s = CheckText("node " + n.name, *f);
      if (!s.ok()) return s;
    }
    unique[{n.namespace_, n.name}] = &n;
  }
  std::vector<std::string> ns, name, url, host, region, status;
  std::vector<std::optional<int64_t>> max_users, priority, weight, last_check;
  for (const auto& [key, n] : unique) {
    ns.push_back(n->namespace_);
    name.push_back(n->name);
    url.push_back(n->url);
    host.push_back(n->public_host);
    max_users.push_back(n->max_users);
    priority.push_back(n->priority);
    weight.push_back(n->weight);
    region.push_back(n->region);
    status.push_back(n->status);
    last_check.push_back(n->last_check ? std::optional<int64_t>(ToMicros(*n->last_check)) : std::nullopt);
  }
  return With("upserting nodes", [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params(kUpsertNodes, TextArray(ns), TextArray(name), TextArray(url), TextArray(host), IntArray(max_users),
                  IntArray(priority), IntArray(weight), TextArray(region), TextArray(status), IntArray(last_check));
    return Status::Ok();
  });
}

Status PgLedgerStore::DeleteNode(const std::string& namespace_, const std::string& name) {
  return With("deleting node " + name, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params("DELETE FROM vpn_nodes WHERE namespace = $1 AND name = $2", namespace_, name);
    return Status::Ok();
  });
}

Status PgLedgerStore::RecordPlacements(const std::vector<PlacementRecord>& placements) {
  if (placements.empty()) return Status::Ok();
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<std::string> ns, assignment, user_id, email, node, reason;
  for (const auto& p : placements) {
    Status s = CheckRecord(p);
    if (!s.ok()) return s;
    if (!seen.insert({p.namespace_, p.assignment}).second) {
      return Status::InvalidArgument("placement batch lists " + p.namespace_ + "/" + p.assignment + " twice");
    }
    ns.push_back(p.namespace_);
    assignment.push_back(p.assignment);
    user_id.push_back(p.user_id);
    email.push_back(p.user_email);
    node.push_back(p.node);
    reason.push_back(p.reason);
  }
  return With("recording placements", [&](pqxx::connection_base& c) -> Status {
    pqxx::nontransaction w(c);
    pqxx::row r = w.exec_params1(kRecordPlacements, TextArray(ns), TextArray(assignment), TextArray(user_id),
                                 TextArray(email), TextArray(node), TextArray(reason));
    auto inserted = r[0].as<int64_t>(), already = r[1].as<int64_t>();
    std::string conflicts = r[2].as<std::string>();
    if (!conflicts.empty()) return Status::Conflict("placements not recorded: " + conflicts);
    if (inserted + already != static_cast<int64_t>(placements.size())) {
      return Status::Conflict("placements changed concurrently: " + std::to_string(placements.size() - inserted - already) +
                              " user(s) were placed by another writer; re-read the ledger");
    }
    return Status::Ok();
  });
}

Status PgLedgerStore::SwitchPlacement(const PlacementRecord& to, const std::string& from_node,
                                      const std::string& move_id) {
  Status s = CheckRecord(to);
  if (!s.ok()) return s;
  return With("switching " + to.assignment + " to " + to.node, [&](pqxx::connection_base& c) -> Status {
    pqxx::work w(c);
    pqxx::result cur = w.exec_params(
        "SELECT id, node FROM user_node_assignments WHERE namespace = $1 AND assignment = $2 AND active FOR UPDATE",
        to.namespace_, to.assignment);
    if (cur.empty()) {
      return Status::Conflict(to.namespace_ + "/" + to.assignment + " has no active placement to switch");
    }
    std::string active_node = cur[0][1].as<std::string>();
    if (active_node != to.node) {
      if (active_node != from_node) {
        return Status::Conflict(to.namespace_ + "/" + to.assignment + " is active on " + active_node + ", not on " +
                                from_node);
      }
      w.exec_params("UPDATE user_node_assignments SET active = false, released_at = now() WHERE id = $1",
                    cur[0][0].as<int64_t>());
      w.exec_params(
          "INSERT INTO user_node_assignments (namespace, assignment, user_id, user_email, node, reason) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          to.namespace_, to.assignment, to.user_id, to.user_email, to.node, to.reason);
    }
    if (!move_id.empty()) w.exec_params(kAdvanceMove, move_id, MoveStepName(MoveStep::kSwitched));
    w.commit();
    return Status::Ok();
  });
}

Status PgLedgerStore::ReleasePlacement(const std::string& namespace_, const std::string& assignment,
                                       const std::string& reason) {
  return With("releasing " + assignment, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params(
        "UPDATE user_node_assignments SET active = false, released_at = now(), "
        "reason = CASE WHEN $3 = '' THEN reason ELSE $3 END "
        "WHERE namespace = $1 AND assignment = $2 AND active",
        namespace_, assignment, reason);
    return Status::Ok();
  });
}

Result<std::optional<PlacementRow>> PgLedgerStore::ActivePlacement(const std::string& namespace_,
                                                                   const std::string& assignment) {
  std::optional<PlacementRow> out;
  Status s = With("reading placement of " + assignment, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    pqxx::result r = w.exec_params(std::string("SELECT ") + kPlacementColumns +
                                       " FROM user_node_assignments WHERE namespace = $1 AND assignment = $2 AND active",
                                   namespace_, assignment);
    if (!r.empty()) out = ReadPlacement(r[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<PlacementRow>> PgLedgerStore::ActivePlacementsOnNode(const std::string& namespace_,
                                                                        const std::string& node) {
  std::vector<PlacementRow> out;
  Status s = With("reading placements on " + node, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    for (const auto& row : w.exec_params(std::string("SELECT ") + kPlacementColumns +
                                             " FROM user_node_assignments WHERE namespace = $1 AND node = $2 AND active"
                                             " ORDER BY assignment",
                                         namespace_, node)) {
      out.push_back(ReadPlacement(row));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<PlacementRow>> PgLedgerStore::PlacementHistory(const std::string& namespace_,
                                                                  const std::string& assignment) {
  std::vector<PlacementRow> out;
  Status s = With("reading history of " + assignment, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    for (const auto& row : w.exec_params(std::string("SELECT ") + kPlacementColumns +
                                             " FROM user_node_assignments WHERE namespace = $1 AND assignment = $2"
                                             " ORDER BY id",
                                         namespace_, assignment)) {
      out.push_back(ReadPlacement(row));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgLedgerStore::BeginMove(const JournalEntry& m) {
  for (const auto* f : {&m.move_id, &m.namespace_, &m.assignment, &m.from_node, &m.to_node, &m.reason}) {
    Status s = CheckText("move " + m.move_id, *f);
    if (!s.ok()) return s;
  }
  if (m.move_id.empty()) return Status::InvalidArgument("a move needs a move_id");
  Status s = With("journaling move " + m.move_id, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params(
        "INSERT INTO migration_journal (move_id, namespace, assignment, from_node, to_node, reason, step) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (move_id) DO NOTHING",
        m.move_id, m.namespace_, m.assignment, m.from_node, m.to_node, m.reason, MoveStepName(m.step));
    return Status::Ok();
  });
  if (s.code() == Status::Code::kAlreadyExists) {
    return Status::AlreadyExists(m.namespace_ + "/" + m.assignment + " already has an unfinished move");
  }
  return s;
}

Status PgLedgerStore::AdvanceMove(const std::string& move_id, MoveStep step) {
  return With("advancing move " + move_id, [&](pqxx::connection_base& c) -> Status {
    pqxx::nontransaction w(c);
    if (w.exec_params(kAdvanceMove, move_id, MoveStepName(step)).affected_rows() > 0) return Status::Ok();
    if (w.exec_params("SELECT 1 FROM migration_journal WHERE move_id = $1", move_id).empty()) {
      return Status::NotFound("no journaled move " + move_id);
    }
    return Status::Ok();  // already at or past `step`
  });
}

Result<std::vector<JournalEntry>> PgLedgerStore::OpenMoves() {
  std::vector<JournalEntry> out;
  Status s = With("reading open moves", [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    for (const auto& row : w.exec(std::string("SELECT ") + kJournalColumns +
                                  " FROM migration_journal WHERE step NOT IN ('done', 'rolled-back') ORDER BY id")) {
      out.push_back(ReadJournal(row));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgLedgerStore::AddPendingRemoval(const PendingRemoval& r) {
  for (const auto* f : {&r.namespace_, &r.node, &r.client_email, &r.assignment, &r.reason}) {
    Status s = CheckText("pending removal " + r.client_email, *f);
    if (!s.ok()) return s;
  }
  return With("recording pending removal of " + r.client_email, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params(
        "INSERT INTO pending_removals (namespace, node, client_email, assignment, reason) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (namespace, node, client_email) DO NOTHING",
        r.namespace_, r.node, r.client_email, r.assignment, r.reason);
    return Status::Ok();
  });
}

Result<std::vector<PendingRemoval>> PgLedgerStore::PendingRemovals(const std::string& namespace_,
                                                                   const std::string& node) {
  std::vector<PendingRemoval> out;
  Status s = With("reading pending removals of " + node, [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    for (const auto& row : w.exec_params(std::string("SELECT ") + kRemovalColumns +
                                             " FROM pending_removals WHERE namespace = $1 AND node = $2 ORDER BY id",
                                         namespace_, node)) {
      out.push_back(ReadRemoval(row));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgLedgerStore::CompletePendingRemoval(int64_t id) {
  return With("completing pending removal", [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params("DELETE FROM pending_removals WHERE id = $1", id);
    return Status::Ok();
  });
}

Status PgLedgerStore::RecordRemovalFailure(int64_t id, const std::string& error) {
  Status s = CheckText("removal error", error);
  if (!s.ok()) return s;
  return With("recording removal failure", [&](pqxx::connection_base& c) {
    pqxx::nontransaction w(c);
    w.exec_params("UPDATE pending_removals SET attempts = attempts + 1, last_error = $2 WHERE id = $1", id, error);
    return Status::Ok();
  });
}

Result<LedgerSnapshot> PgLedgerStore::LoadSnapshot() {
  LedgerSnapshot snap;
  Status s = With("loading the ledger", [&](pqxx::connection_base& c) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> t(c);
    for (const auto& row : t.exec(std::string("SELECT ") + kNodeColumns + " FROM vpn_nodes ORDER BY namespace, name")) {
      snap.nodes.push_back(ReadNode(row));
    }
    for (const auto& row : t.exec(std::string("SELECT ") + kPlacementColumns +
                                  " FROM user_node_assignments WHERE active ORDER BY namespace, assignment")) {
      snap.active_placements.push_back(ReadPlacement(row));
    }
    for (const auto& row : t.exec(std::string("SELECT ") + kJournalColumns +
                                  " FROM migration_journal WHERE step NOT IN ('done', 'rolled-back') ORDER BY id")) {
      snap.open_moves.push_back(ReadJournal(row));
    }
    for (const auto& row : t.exec(std::string("SELECT ") + kRemovalColumns + " FROM pending_removals ORDER BY id")) {
      snap.pending_removals.push_back(ReadRemoval(row));
    }
    t.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return snap;
}

}  // namespace x3ui::store
