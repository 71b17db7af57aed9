// Ledger benchmark: recording 10,000 placements into a real PostgreSQL, three ways:
//   batch   one RecordPlacements call with every row (what the cold start uses)
//   queue   10,000 RecordPlacement calls on the LedgerWriteQueue, which merges them
//   single  10,000 RecordPlacements calls of one row each (the naive baseline)
// Round trips are counted by the server itself (pg_stat_statements calls, BEGIN/COMMIT
// included), not by this program. Usage: ledger_bench DATABASE_URL [ROWS]
// bench/ledger.sh starts a throwaway server and runs this.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <pqxx/pqxx>

#include "pkg/store/pg_ledger_store.h"
#include "pkg/store/write_queue.h"

namespace {

using x3ui::store::PlacementRecord;
using Clock = std::chrono::steady_clock;

std::vector<PlacementRecord> Rows(int n, const std::string& prefix) {
  std::vector<PlacementRecord> out;
  for (int i = 0; i < n; ++i) {
    std::string u = prefix + std::to_string(i);
    out.push_back({"vpn", u, "id-" + u, u + "@example.com", "node-" + std::to_string(i % 20), "Balanced"});
  }
  return out;
}

void ResetStats(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::nontransaction w(c);
  w.exec("SELECT pg_stat_statements_reset()");
}

// Statements the server executed for this database since the last reset, minus our own probes.
long RoundTrips(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::nontransaction w(c);
  return w.exec1(
              "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
              "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'")[0]
      .as<long>();
}

void Report(const char* name, int rows, Clock::duration elapsed, long trips) {
  double s = std::chrono::duration<double>(elapsed).count();
  std::printf("%-8s %7d rows  %9.1f ms  %10.0f rows/s  %6ld round trips\n", name, rows, s * 1000, rows / s, trips);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ledger_bench DATABASE_URL [ROWS]\n";
    return 2;
  }
  const std::string dsn = argv[1];
  const int rows = argc > 2 ? std::atoi(argv[2]) : 10000;
  auto opened = x3ui::store::PgLedgerStore::Open(dsn);
  if (!opened.ok()) {
    std::cerr << opened.status().ToString() << "\n";
    return 1;
  }
  auto& store = *opened.value();
  {
    pqxx::connection c(dsn);
    pqxx::nontransaction w(c);
    w.exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    w.exec("TRUNCATE user_node_assignments");
  }

  auto batch = Rows(rows, "batch-");
  ResetStats(dsn);
  auto t0 = Clock::now();
  x3ui::Status s = store.RecordPlacements(batch);
  auto t1 = Clock::now();
  if (!s.ok()) return std::cerr << s.ToString() << "\n", 1;
  Report("batch", rows, t1 - t0, RoundTrips(dsn));

  auto queued = Rows(rows, "queue-");
  ResetStats(dsn);
  t0 = Clock::now();
  {
    x3ui::store::LedgerWriteQueue q(&store, {}, [](const std::string& what, const x3ui::Status& e) {
      std::cerr << what << ": " << e.ToString() << "\n";
    });
    for (auto& p : queued) q.RecordPlacement(p);
    if (!q.Drain(std::chrono::minutes(5))) return std::cerr << "queue did not drain\n", 1;
  }
  t1 = Clock::now();
  Report("queue", rows, t1 - t0, RoundTrips(dsn));

  auto singles = Rows(rows, "single-");
  ResetStats(dsn);
  t0 = Clock::now();
  for (const auto& p : singles) {
    s = store.RecordPlacements({p});
    if (!s.ok()) return std::cerr << s.ToString() << "\n", 1;
  }
  t1 = Clock::now();
  Report("single", rows, t1 - t0, RoundTrips(dsn));
  return 0;
}
