// File: pkg/store/schema.h
//
// The ledger's schema as versioned migrations embedded in the binary. MigrateDatabase applies
// the missing ones in one transaction under a PostgreSQL advisory lock, so replicas starting
// together cannot race, and refuses a database whose schema is newer than this binary knows.
//
// Thread-safety: stateless; each call takes a session from the pool it is given (or, given a
// dsn, from a pool of its own with the default PgOptions).
#ifndef X3UI_PKG_STORE_SCHEMA_H_
#define X3UI_PKG_STORE_SCHEMA_H_

#include <string>
#include <vector>

#include "pkg/common/status.h"
#include "pkg/store/pg_connection_pool.h"

namespace x3ui::store {

struct SchemaMigration {
  int version;
  const char* name;
  const char* sql;
};

// All migrations, in version order starting at 1.
const std::vector<SchemaMigration>& SchemaMigrations();
int LatestSchemaVersion();

// Brings the database at `dsn` to `target_version` (default: the latest). Returns
// FailedPrecondition if the database is already at a newer version than this binary knows,
// Unavailable if it cannot connect. Error messages never contain the password.
Status MigrateDatabase(PgConnectionPool& pool, int target_version = LatestSchemaVersion());
Status MigrateDatabase(const std::string& dsn, int target_version = LatestSchemaVersion());

// The highest applied version, 0 for an empty database.
Result<int> SchemaVersion(PgConnectionPool& pool);
Result<int> SchemaVersion(const std::string& dsn);

}  // namespace x3ui::store

#endif  // X3UI_PKG_STORE_SCHEMA_H_
