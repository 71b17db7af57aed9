#include "pkg/store/schema.h"

#include <pqxx/pqxx>

namespace x3ui::store {
namespace {

// Any fixed number shared by every replica; "x3ui" in ASCII.
constexpr int64_t kMigrationLockKey = 0x78337569;

constexpr char kV1Placements[] = R"sql(
CREATE TABLE vpn_nodes (
  namespace   text        NOT NULL,
  name        text        NOT NULL,
  url         text        NOT NULL,
  public_host text        NOT NULL DEFAULT '',
  max_users   bigint      NOT NULL CHECK (max_users >= 0),
  priority    bigint      NOT NULL DEFAULT 0,
  weight      bigint      NOT NULL DEFAULT 1 CHECK (weight >= 1),
  region      text        NOT NULL DEFAULT '',
  status      text        NOT NULL DEFAULT 'Pending',
  last_check  timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name)
);
COMMENT ON TABLE vpn_nodes IS 'One row per VpnNode. Never holds panel credentials.';

CREATE TABLE user_node_assignments (
  id          bigserial   PRIMARY KEY,
  namespace   text        NOT NULL,
  assignment  text        NOT NULL,
  user_id     text        NOT NULL,
  user_email  text        NOT NULL,
  node        text        NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz,
  active      boolean     NOT NULL DEFAULT true,
  reason      text        NOT NULL DEFAULT '',
  CHECK (active = (released_at IS NULL))
);
COMMENT ON TABLE user_node_assignments IS 'Placement history; the active row says which node serves a user.';
-- The rule the whole service relies on: at most one active placement per user.
CREATE UNIQUE INDEX user_node_assignments_one_active
  ON user_node_assignments (namespace, assignment) WHERE active;
CREATE INDEX user_node_assignments_active_by_node
  ON user_node_assignments (namespace, node) WHERE active;
CREATE INDEX user_node_assignments_by_user_id ON user_node_assignments (user_id) WHERE active;
)sql";

constexpr char kV2PendingRemovals[] = R"sql(
CREATE TABLE pending_removals (
  id           bigserial   PRIMARY KEY,
  namespace    text        NOT NULL,
  node         text        NOT NULL,
  client_email text        NOT NULL,
  assignment   text        NOT NULL,
  reason       text        NOT NULL DEFAULT '',
  attempts     bigint      NOT NULL DEFAULT 0,
  last_error   text        NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (namespace, node, client_email)
);
COMMENT ON TABLE pending_removals IS 'Clients to remove from a node once it is reachable again.';
)sql";

constexpr char kV3MigrationJournal[] = R"sql(
CREATE TABLE migration_journal (
  id         bigserial   PRIMARY KEY,
  move_id    text        NOT NULL UNIQUE,
  namespace  text        NOT NULL,
  assignment text        NOT NULL,
  from_node  text        NOT NULL,
  to_node    text        NOT NULL,
  reason     text        NOT NULL DEFAULT '',
  step       text        NOT NULL DEFAULT 'planned' CHECK (step IN
               ('planned', 'added-on-target', 'switched', 'removed-from-source', 'done', 'rolled-back')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE migration_journal IS 'One row per make-before-break move, step by step.';
CREATE UNIQUE INDEX migration_journal_one_open_per_user
  ON migration_journal (namespace, assignment) WHERE step NOT IN ('done', 'rolled-back');
)sql";

}  // namespace

const std::vector<SchemaMigration>& SchemaMigrations() {
  static const std::vector<SchemaMigration> m = {
      {1, "nodes and placements", kV1Placements},
      {2, "pending removals", kV2PendingRemovals},
      {3, "migration journal", kV3MigrationJournal},
  };
  return m;
}

int LatestSchemaVersion() { return SchemaMigrations().back().version; }

Status MigrateDatabase(PgConnectionPool& pool, int target_version) {
  return pool.Run("migrating the ledger schema", [&](pqxx::connection_base& c) -> Status {
    pqxx::work w(c);
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    w.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "  version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    int current = w.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
    if (current > LatestSchemaVersion()) {
      return Status::FailedPrecondition("the ledger schema is at version " + std::to_string(current) +
                                        ", newer than this operator knows (" + std::to_string(LatestSchemaVersion()) +
                                        "); run a newer x3ui-operator");
    }
    for (const auto& m : SchemaMigrations()) {
      if (m.version <= current || m.version > target_version) continue;
      w.exec(m.sql);
      w.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name);
    }
    w.commit();
    return Status::Ok();
  });
}

Result<int> SchemaVersion(PgConnectionPool& pool) {
  int version = 0;
  Status s = pool.Run("reading the ledger schema version", [&](pqxx::connection_base& c) -> Status {
    pqxx::read_transaction r(c);
    if (r.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>()) {
      version = r.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return version;
}

Status MigrateDatabase(const std::string& dsn, int target_version) {
  Result<std::unique_ptr<PgConnectionPool>> pool = PgConnectionPool::Open(dsn);
  if (!pool.ok()) return pool.status();
  return MigrateDatabase(**pool, target_version);
}

Result<int> SchemaVersion(const std::string& dsn) {
  Result<std::unique_ptr<PgConnectionPool>> pool = PgConnectionPool::Open(dsn);
  if (!pool.ok()) return pool.status();
  return SchemaVersion(**pool);
}

}  // namespace x3ui::store
