#!/usr/bin/env bash
# The fleet benchmark (issue 8), scenario 1, cold start: the real kube-apiserver, PostgreSQL and
# x3ui-sim (PANELS panels, LATENCY_MS added to every panel call), the operator, USERS
# VpnAssignments created at once; then the time until all are Ready and what it cost, counted by
# the systems themselves: panel calls from the simulator's counters, Kubernetes writes from the
# operator's rest_client_requests_total, ledger round trips from x3ui_ledger_round_trips_total and
# pg_stat_statements. Baseline in the same run: one login and one addClient per user in sequence
# (bench/fleet_baseline) against the same panels. Prints a table and writes JSON.
#
# Usage: bench/fleet.sh [USERS=10000] [PANELS=20] [LATENCY_MS=10]
#   BUILD_DIR (default build-release) holds x3ui-operator, x3ui-sim and fleet_baseline;
#   OUT (default bench/results/fleet-USERS.json); CHECK_ONLY=1 asserts correctness, not speed
#   (the reduced run in the test suite).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
users=${1:-10000} panels=${2:-20} latency=${3:-10}
build=${BUILD_DIR:-$root/build-release}
out=${OUT:-$root/bench/results/fleet-$users.json}
op=$build/controller/x3ui-operator sim=$build/tests/sim/x3ui-sim baseline=$build/bench/fleet_baseline
for b in "$op" "$sim" "$baseline"; do [ -x "$b" ] || { echo "missing $b (build it first)"; exit 2; }; done
work=$(mktemp -d)
. "$root/tests/e2e/lib.sh"
cleanup() {
  [ -n "${op_pid:-}" ] && kill -TERM "$op_pid" 2>/dev/null && wait "$op_pid" 2>/dev/null
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  bash "$root/hack/control-plane.sh" destroy "$work/kube" >/dev/null 2>&1
  bash "$root/hack/postgres.sh" destroy "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "fleet.sh: $*"; [ -f "$work/operator.log" ] && tail -n 20 "$work/operator.log"; exit 1; }

bash "$root/hack/control-plane.sh" start "$work/kube" --crds="$root/crds" >"$work/cp.log" 2>&1 || fail "control plane: $(tail -3 "$work/cp.log")"
bash "$root/hack/postgres.sh" start "$work/pg" >"$work/pg.log" 2>&1 || fail "postgres: $(tail -3 "$work/pg.log")"
. "$work/kube/env"
db_url=$(grep '^DATABASE_URL=' "$work/pg/env" | cut -d= -f2-)
# shellcheck disable=SC1090
. <(grep -E '^(PGHOST|PGPORT|PGUSER|PGPASSWORD)=' "$work/pg/env" | sed 's/^/export /')

# Panels on consecutive free ports.
while :; do
  base=$((20000 + RANDOM % 11000)) ok=1
  for i in $(seq 0 "$panels"); do (exec 3<>"/dev/tcp/127.0.0.1/$((base + i))") 2>/dev/null && { ok=0; break; }; done
  [ $ok = 1 ] && break
done
control=$((base + panels))
"$sim" --panels "$panels" --base-port "$base" --control-port "$control" --latency-ms "$latency" \
  --username admin --password admin --ready-file "$work/sim.ready" >"$work/sim.log" 2>&1 &
sim_pid=$!
within 30 test -f "$work/sim.ready" || fail "x3ui-sim did not start"
ns=fleet
k create namespace "$ns" >/dev/null
{
  printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: panel}\nstringData: {username: admin, password: admin}\n'
  for i in $(seq 0 $((panels - 1))); do
    printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: panel-%d}\nspec:\n  panel: {url: "http://127.0.0.1:%d/", credentialsSecretRef: {name: panel}}\n  publicHost: panel-%d.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 100000}\n' "$i" $((base + i)) "$i"
  done
} | k apply -n "$ns" -f - >/dev/null
metrics=$(free_port) probes=$(free_port)
"$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --database-url "$db_url" --log-level warn \
  --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$probes" \
  --probe-interval 5s --kube-api-qps 2000 --kube-api-burst 4000 --max-concurrent-reconciles 32 >"$work/operator.log" 2>&1 &
op_pid=$!
scrape() { curl -fsS "http://127.0.0.1:$metrics/metrics" 2>/dev/null; }
metric_sum() { scrape | awk -v re="$1" '$0 ~ re && !/^#/ {s += $NF} END {printf "%d\n", s}'; }
ready_nodes() { [ "$(scrape | awk '/^x3ui_node_up\{/ && $NF == 1' | wc -l)" = "$panels" ]; }
within 120 ready_nodes || fail "the $panels nodes did not become Ready"
sim_count() { curl -fsS "http://127.0.0.1:$control/panels" | python3 -c "
import json,sys
ps=json.load(sys.stdin)
print(sum(p['counters'].get('$1',0) for p in ps))"; }
curl -fsS -X POST "http://127.0.0.1:$control/reset-counters" >/dev/null
psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
k_writes0=$(metric_sum '^rest_client_requests_total.*method="(POST|PUT|PATCH|DELETE)"')
ledger0=$(metric_sum '^x3ui_ledger_round_trips_total')

# Cold start: create every assignment at once, wait until the operator counts them all Ready.
t0=$(date +%s.%N)
python3 "$root/bench/fleet_create.py" "$KUBE_API" "$KUBE_TOKEN" "$KUBE_CA" "$ns" "$users" >"$work/create.json" || fail "creating assignments: $(cat "$work/create.json")"
t_created=$(date +%s.%N)
all_ready() { [ "$(scrape | awk '/^x3ui_assignments\{phase="Ready"\}/ {print $NF}')" = "$users" ]; }
within 3600 all_ready || fail "not every assignment became Ready within an hour"
t_ready=$(date +%s.%N)
cold=$(python3 -c "print(round($t_ready - $t0, 2))")
create_s=$(python3 -c "print(round($t_created - $t0, 2))")
adds=$(sim_count addClient) lists=$(sim_count list) logins=$(sim_count login) requests=$(sim_count requests)
k_writes=$(( $(metric_sum '^rest_client_requests_total.*method="(POST|PUT|PATCH|DELETE)"') - k_writes0 ))
ledger=$(( $(metric_sum '^x3ui_ledger_round_trips_total') - ledger0 ))
pg_calls=$(psql -X -q -t -A -d postgres -c "SELECT coalesce(sum(calls),0) FROM pg_stat_statements WHERE query !~* 'pg_stat_statements'")
active=$(psql -X -q -t -A -d postgres -c "SELECT count(*) FROM user_node_assignments WHERE active")
owned=$(curl -fsS "http://127.0.0.1:$control/panels" | python3 -c "
import json,sys
print(sum(1 for p in json.load(sys.stdin) for i in p['inbounds'] for c in i['clients'] if c.get('email','').endswith('@$ns.x3ui')))")
min_calls=$(( (users + 499) / 500 > panels ? (users + 499) / 500 : panels ))  # one addClient per panel, at most 500 clients each

# Baseline: the same number of users, one login and one addClient each, in sequence.
urls=$(for i in $(seq 0 $((panels - 1))); do printf 'http://127.0.0.1:%d/ ' $((base + i)); done)
curl -fsS -X POST "http://127.0.0.1:$control/reset-counters" >/dev/null
# shellcheck disable=SC2086
"$baseline" "$users" $urls >"$work/baseline.json" || fail "baseline: $(cat "$work/baseline.json")"
base_s=$(python3 -c "import json; print(json.load(open('$work/baseline.json'))['seconds'])")
base_calls=$(sim_count requests)

python3 - "$out" <<PY
import json, os, platform, subprocess, sys
fig = {
  "scenario": "cold-start", "users": $users, "panels": $panels, "latency_ms": $latency,
  "seconds_to_all_ready": $cold, "seconds_creating": $create_s,
  "panel_add_client_calls": $adds, "panel_list_calls": $lists, "panel_logins": $logins, "panel_requests": $requests,
  "batching_minimum_add_calls": $min_calls,
  "kubernetes_writes": $k_writes, "kubernetes_writes_per_assignment": round($k_writes / $users, 3),
  "ledger_round_trips": $ledger, "postgres_statements": $pg_calls,
  "ledger_active_rows": $active, "owned_clients_on_panels": $owned,
  "baseline_seconds": $base_s, "baseline_panel_requests": $base_calls,
  "speedup_vs_baseline": round($base_s / $cold, 2) if $cold > 0 else None,
  "machine": {"cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
              "kernel": platform.release()},
  "commit": subprocess.run(["git", "-C", "$root", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
}
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
json.dump(fig, open(sys.argv[1], "w"), indent=2)
w = max(len(k) for k in fig)
for k, v in fig.items():
    print(f"{k:<{w}}  {v}")
PY
echo "written: $out"

# Correctness, whatever the speed: everyone Ready once, one active ledger row each, one client each.
[ "$active" = "$users" ] || fail "ledger: $active active rows for $users users"
[ "$owned" = "$users" ] || fail "panels: $owned owned clients for $users users"
echo "fleet.sh: all $users users Ready, $active ledger rows, $owned clients"
