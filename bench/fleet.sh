#!/usr/bin/env bash
# The fleet benchmark (issue 8, SPEC.md §8): a real kube-apiserver + etcd, PostgreSQL and x3ui-sim
# (LATENCY_MS added to every panel call), the operator binary, and the scenarios below. Counts come
# from the systems themselves: panel calls from the simulator's counters, Kubernetes writes from
# the operator's rest_client_requests_total, ledger round trips from x3ui_ledger_round_trips_total,
# database statements from pg_stat_statements and database writes from pg_stat_database.
#
#   cold      USERS VpnAssignments over PANELS panels, created while the operator is stopped, then
#             the operator starts: time until all are Ready, panel calls, writes, round trips.
#             Baseline in the same run: one login and one addClient per user, in sequence
#             (bench/fleet_baseline), against the same panels.
#   failover  FAILOVER_USERS users on one node of five (the others cordoned until they are all
#             placed); the node's panel goes down: time from its Unreachable transition until every
#             user is Ready elsewhere, and how many were without a working placement over time.
#   idle      everything Ready, IDLE_SECONDS (120): panel mutations, Kubernetes writes, database
#             writes, and the operator's CPU seconds.
#   memory    MEMORY_USERS (100000) assignments over MEMORY_NODES (200) nodes: the operator's RSS
#             once all are Ready (run it on its own: SCENARIOS=memory PROBE_INTERVAL=10s).
#
# Usage: bench/fleet.sh [USERS=10000] [PANELS=20] [LATENCY_MS=10]
#   SCENARIOS (default "cold failover idle"); BUILD_DIR (default build-release) holds
#   x3ui-operator, x3ui-sim and fleet_baseline; OUT (default bench/results/fleet-USERS.json);
#   CHECK_ONLY=1 asserts correctness only and skips the baseline (the reduced run in the tests);
#   LOG_LEVEL (default warn) for the operator log kept beside OUT.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
users=${1:-10000} panels=${2:-20} latency=${3:-10}
scenarios=${SCENARIOS:-cold failover idle}
failover_users=${FAILOVER_USERS:-2000} idle_seconds=${IDLE_SECONDS:-120}
memory_users=${MEMORY_USERS:-100000} memory_nodes=${MEMORY_NODES:-200}
build=${BUILD_DIR:-$root/build-release}
out=${OUT:-$root/bench/results/fleet-$users.json}
op=$build/controller/x3ui-operator sim=$build/tests/sim/x3ui-sim baseline=$build/bench/fleet_baseline
for b in "$op" "$sim" "$baseline"; do [ -x "$b" ] || { echo "missing $b (build it first)"; exit 2; }; done
work=$(mktemp -d)
. "$root/tests/e2e/lib.sh"
sim_pids=()
cleanup() {
  [ -n "${op_pid:-}" ] && kill -TERM "$op_pid" 2>/dev/null && wait "$op_pid" 2>/dev/null
  [ -f "$work/operator.log" ] && mkdir -p "$(dirname "$out")" && cp "$work/operator.log" "${out%.json}.operator.log"
  for p in "${sim_pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  bash "$root/hack/control-plane.sh" destroy "$work/kube" >/dev/null 2>&1
  bash "$root/hack/postgres.sh" destroy "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "fleet.sh: $*"; [ -f "$work/operator.log" ] && tail -n 20 "$work/operator.log"; exit 1; }
py() { python3 -c "$1"; }

bash "$root/hack/control-plane.sh" start "$work/kube" --crds="$root/crds" >"$work/cp.log" 2>&1 || fail "control plane: $(tail -3 "$work/cp.log")"
bash "$root/hack/postgres.sh" start "$work/pg" >"$work/pg.log" 2>&1 || fail "postgres: $(tail -3 "$work/pg.log")"
. "$work/kube/env"
db_url=$(grep '^DATABASE_URL=' "$work/pg/env" | cut -d= -f2-)
# shellcheck disable=SC1090
. <(grep -E '^(PGHOST|PGPORT|PGUSER|PGPASSWORD)=' "$work/pg/env" | sed 's/^/export /')
psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
kube_py() { python3 "$root/bench/fleet_kube.py" "$KUBE_API" "$KUBE_TOKEN" "$KUBE_CA" "$@"; }

# start_panels N: x3ui-sim with N panels on consecutive free ports; sets base (first panel's port)
# and control (the control API's port, right after the panels).
start_panels() {
  local n=$1 ok i
  while :; do
    base=$((20000 + RANDOM % (11000 - n))) ok=1
    for i in $(seq 0 "$n"); do (exec 3<>"/dev/tcp/127.0.0.1/$((base + i))") 2>/dev/null && { ok=0; break; }; done
    [ $ok = 1 ] && break
  done
  control=$((base + n))
  rm -f "$work/sim.ready"
  "$sim" --panels "$n" --base-port "$base" --control-port "$control" --latency-ms "$latency" \
    --username admin --password admin --ready-file "$work/sim.ready" >>"$work/sim.log" 2>&1 &
  sim_pids+=($!)
  within 30 test -f "$work/sim.ready" || fail "x3ui-sim did not start"
}
sim_count() { curl -fsS "http://127.0.0.1:$1/panels" | py "
import json,sys
print(sum(p['counters'].get('$2',0) for p in json.load(sys.stdin)))"; }
owned_clients() { curl -fsS "http://127.0.0.1:$1/panels" | py "
import json,sys
print(sum(1 for p in json.load(sys.stdin) for i in p['inbounds'] for c in i['clients'] if c.get('email','').endswith('@$2.x3ui')))"; }

# make_fleet NS N PREFIX [EXTRA]: namespace NS, its panel Secret and N VpnNodes PREFIX-i on the
# panels from $base (EXTRA: more spec lines, e.g. "  unschedulable: true").
make_fleet() {
  local ns=$1 n=$2 prefix=$3 extra=${4:-} i
  k create namespace "$ns" >/dev/null
  {
    printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: panel, labels: {x3ui.io/panel-credentials: \"true\"}}\nstringData: {username: admin, password: admin}\n'
    for i in $(seq 0 $((n - 1))); do
      printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: %s-%d}\nspec:\n  panel: {url: "http://127.0.0.1:%d/", credentialsSecretRef: {name: panel}}\n  publicHost: %s-%d.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 100000}\n%s\n' \
        "$prefix" "$i" $((base + i)) "$prefix" "$i" "$extra"
    done
  } | k apply -n "$ns" -f - >/dev/null || fail "creating the VpnNodes of $ns"
}

# The operator, over every namespace; probes every PROBE_INTERVAL (2 s), fails over at once (the
# grace is policy, not speed), WORKERS (32) workers per controller, a disruption budget of
# BUDGET (50, the default), a client rate limit that does not stand in the way.
metrics=$(free_port) probes=$(free_port) console=$(free_port)
start_operator() {
  "$op" --kubeconfig "$KUBECONFIG" --database-url "$db_url" --log-level "${LOG_LEVEL:-warn}" \
    --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$probes" \
    --dashboard-bind-address "127.0.0.1:$console" \
    --probe-interval "${PROBE_INTERVAL:-2s}" --failure-threshold 2 --failover-grace 0s \
    --kube-api-qps 5000 --kube-api-burst 10000 --max-concurrent-reconciles "${WORKERS:-32}" \
    --disruption-budget "${BUDGET:-50}" >>"$work/operator.log" 2>&1 &
  op_pid=$!
  within 30 scrape >/dev/null || fail "the operator did not serve metrics"
}
stop_operator() { kill -TERM "$op_pid" && wait "$op_pid"; op_pid=; }
scrape() { curl -fsS "http://127.0.0.1:$metrics/metrics" 2>/dev/null; }
metric_sum() { scrape | awk -v re="$1" '$0 ~ re && !/^#/ {s += $NF} END {printf "%d\n", s}'; }
k_writes() { metric_sum '^rest_client_requests_total.*method="(POST|PUT|PATCH|DELETE)"'; }
nodes_up() { [ "$(scrape | awk '/^x3ui_node_up\{/ && $NF == 1' | wc -l)" -ge "$1" ]; }
ready_count() { scrape | awk '/^x3ui_assignments\{phase="Ready"\}/ {print $NF}'; }
all_ready() { [ "$(ready_count)" = "$1" ]; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/$op_pid/stat"; }
rss_mb() { awk '/^'"$1"':/ {printf "%.1f\n", $2 / 1024}' "/proc/$op_pid/status"; }
# Rows the operator wrote: its tables only (pg_stat_database also counts autovacuum's updates of
# the catalogs, e.g. pg_statistic after a mass delete, which are not the operator's writes).
db_writes() { psql -X -q -t -A -d postgres -c "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"; }
# Quiet means no write in flight for 5 s: the last statuses written, the ledger drained.
quiet_counts() { echo "$(k_writes) $(metric_sum '^x3ui_ledger_round_trips_total') $(db_writes)"; }
sleep_until_quiet() { local w1 w2; w1=$(quiet_counts); sleep 5; w2=$(quiet_counts); [ "$w1" = "$w2" ]; }
ledger_rows() { psql -X -q -t -A -d postgres -c "SELECT count(*) FROM user_node_assignments WHERE active AND namespace = '$1'"; }
ledger_holds() { [ "$(ledger_rows "$1")" -ge "$2" ]; }
results=$work/results.json
echo '{}' >"$results"
record() { py "
import json
r = json.load(open('$results')); r['$1'] = json.loads('''$2'''); json.dump(r, open('$results', 'w'))"; }

# --- cold start ----------------------------------------------------------------------------
cold() {
  start_panels "$panels"
  local cold_control=$control
  make_fleet fleet "$panels" panel
  # The nodes are probed once, so that a restarted operator finds them Ready in their status.
  start_operator
  within 120 nodes_up "$panels" || fail "the $panels nodes did not become Ready"
  stop_operator
  local t0 t1 t2
  t0=$(date +%s.%N)
  kube_py create fleet "$users" u 32 >"$work/create.json" || fail "creating assignments: $(cat "$work/create.json")"
  local t_created
  t_created=$(date +%s.%N)
  curl -fsS -X POST "http://127.0.0.1:$cold_control/reset-counters" >/dev/null
  psql -X -q -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
  t1=$(date +%s.%N)
  start_operator
  within 3600 all_ready "$users" || fail "not every assignment became Ready within an hour ($(ready_count) are)"
  t2=$(date +%s.%N)
  local adds lists logins requests writes ledger statements active owned seconds
  adds=$(sim_count "$cold_control" addClient) lists=$(sim_count "$cold_control" list)
  logins=$(sim_count "$cold_control" login) requests=$(sim_count "$cold_control" requests)
  # The prober's calls (server status + inbound list every probe) go on whatever happens; the
  # batching minimum is about placing the users, so they are counted apart.
  local probes probe_calls placing_calls
  probes=$(sim_count "$cold_control" status) probe_calls=$((2 * probes)) placing_calls=$((requests - probe_calls))
  writes=$(k_writes) ledger=$(metric_sum '^x3ui_ledger_round_trips_total')
  statements=$(psql -X -q -t -A -d postgres -c "SELECT coalesce(sum(calls),0) FROM pg_stat_statements WHERE query !~* 'pg_stat_statements'")
  # The ledger is written behind the statuses (a queue): its rows at the moment all are Ready, and
  # how long it takes to hold every user.
  local active_at_ready t3
  active_at_ready=$(ledger_rows fleet)
  within 1800 ledger_holds fleet "$users"
  t3=$(date +%s.%N)
  active=$(ledger_rows fleet)
  owned=$(owned_clients "$cold_control" fleet)
  seconds=$(py "print(round($t2 - $t1, 2))")
  # The batching minimum (SPEC.md §8): per panel, login + list + ceil(users/batch) adds, batch 500.
  local per_panel=$(( (users + panels - 1) / panels )) minimum
  minimum=$(( panels * (2 + (per_panel + 499) / 500) ))
  local base_s=null base_calls=null
  if [ -z "${CHECK_ONLY:-}" ]; then
    local urls
    urls=$(for i in $(seq 0 $((panels - 1))); do printf 'http://127.0.0.1:%d/ ' $((base + i)); done)
    curl -fsS -X POST "http://127.0.0.1:$cold_control/reset-counters" >/dev/null
    # shellcheck disable=SC2086
    "$baseline" "$users" $urls >"$work/baseline.json" || fail "baseline: $(cat "$work/baseline.json")"
    base_s=$(py "import json; print(json.load(open('$work/baseline.json'))['seconds'])")
    base_calls=$(sim_count "$cold_control" requests)
  fi
  record cold "{\"users\": $users, \"panels\": $panels, \"seconds_creating_objects\": $(py "print(round($t_created - $t0, 2))"),
    \"seconds_operator_start_to_all_ready\": $seconds, \"panel_add_client_calls\": $adds, \"panel_list_calls\": $lists,
    \"panel_logins\": $logins, \"panel_requests\": $requests, \"panel_probe_calls\": $probe_calls,
    \"panel_calls_placing_users\": $placing_calls, \"batching_minimum_panel_calls\": $minimum,
    \"placing_calls_over_minimum\": $(py "print(round($placing_calls / $minimum, 2))"),
    \"kubernetes_writes\": $writes, \"kubernetes_writes_per_assignment\": $(py "print(round($writes / $users, 3))"),
    \"ledger_round_trips\": $ledger, \"postgres_statements\": $statements, \"ledger_active_rows\": $active,
    \"ledger_active_rows_when_all_ready\": $active_at_ready, \"seconds_all_ready_to_ledger_complete\": $(py "print(round($t3 - $t2, 2))"),
    \"owned_clients_on_panels\": $owned, \"baseline_seconds\": $base_s, \"baseline_panel_requests\": $base_calls,
    \"speedup_vs_baseline\": $( [ "$base_s" = null ] && echo null || py "print(round($base_s / $seconds, 1))")}"
  [ "$active" = "$users" ] || fail "ledger: $active active rows for $users users"
  [ "$owned" = "$users" ] || fail "panels: $owned owned clients for $users users"
  echo "cold: all $users users Ready in $seconds s, $active ledger rows, $owned clients"
}

# --- failover ------------------------------------------------------------------------------
failover() {
  [ -n "${op_pid:-}" ] || start_operator
  start_panels 5
  local fo_control=$control
  make_fleet failover 1 f
  {
    for i in 1 2 3 4; do
      printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: f-%d}\nspec:\n  panel: {url: "http://127.0.0.1:%d/", credentialsSecretRef: {name: panel}}\n  publicHost: f-%d.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 100000}\n  unschedulable: true\n' \
        "$i" $((base + i)) "$i"
    done
  } | k apply -n failover -f - >/dev/null || fail "creating the failover nodes"
  local before
  before=$(ready_count)
  kube_py create failover "$failover_users" f 32 >"$work/create-failover.json" || fail "creating failover users"
  within 600 all_ready $((before + failover_users)) || fail "the failover users did not become Ready"
  for i in 1 2 3 4; do k -n failover patch vpnnode "f-$i" --type merge -p '{"spec":{"unschedulable":false}}' >/dev/null; done
  schedulable() { [ "$(k -n failover get vn -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Schedulable")].status}{" "}{end}')" = "True True True True True " ]; }
  within 60 schedulable || fail "the failover nodes were not uncordoned"
  local writes0 adds0
  writes0=$(k_writes) adds0=$(sim_count "$fo_control" addClient)
  kube_py failover failover f-0 "http://127.0.0.1:$fo_control" panel-0 300 >"$work/failover.json" || fail "failover: $(cat "$work/failover.json")"
  local writes adds moved
  writes=$(( $(k_writes) - writes0 )) adds=$(( $(sim_count "$fo_control" addClient) - adds0 ))
  moved=$(py "import json; print(json.load(open('$work/failover.json'))['users_on_node'])")
  [ "$moved" = "$failover_users" ] || fail "failover: $moved users on f-0 before it went down, expected $failover_users"
  record failover "$(py "
import json
r = json.load(open('$work/failover.json'))
r['kubernetes_writes'] = $writes
r['panel_add_client_calls'] = $adds
s = r['without_placement']
r['without_placement'] = s if len(s) <= 40 else s[::max(1, len(s) // 40)] + [s[-1]]
print(json.dumps(r))")"
  # f-0 comes back: the clients left there are removed (pending removals), before the idle minutes.
  curl -fsS -X PUT -d '{"outage":false}' "http://127.0.0.1:$fo_control/panels/panel-0/faults" >/dev/null
  local left
  drained() { left=$(curl -fsS "http://127.0.0.1:$fo_control/panels" | py "
import json,sys
print(sum(len(i['clients']) for p in json.load(sys.stdin) if p['name'] == 'panel-0' for i in p['inbounds'] if any(c.get('email','').endswith('@failover.x3ui') for c in i['clients'])))"); [ "$left" = 0 ]; }
  within 300 drained || fail "failover: $left clients still on the failed panel after it came back"
  pending_done() { [ "$(psql -X -q -t -A -d postgres -c "SELECT count(*) FROM pending_removals WHERE node = 'f-0'")" = 0 ]; }
  within 300 pending_done || fail "failover: the ledger still lists clients to remove from f-0"
  echo "failover: $(py "import json; print(json.load(open('$work/failover.json'))['seconds_unreachable_to_all_ready'])") s from Unreachable to all $failover_users Ready elsewhere"
}

# --- idle ----------------------------------------------------------------------------------
idle() {
  [ -n "${op_pid:-}" ] || fail "idle needs the users of an earlier scenario"
  local total mutations0 mutations writes0 writes db0 db cpu0 cpu c
  total=$(ready_count)
  within 120 all_ready "$total" || fail "idle: not everything is Ready"
  within 120 sleep_until_quiet || true
  mutations_now() { local s=0 c; for c in "${!controls[@]}"; do for op in addClient updateClient delClient; do s=$((s + $(sim_count "${controls[$c]}" "$op"))); done; done; echo $s; }
  mutations0=$(mutations_now) writes0=$(k_writes) db0=$(db_writes) cpu0=$(cpu_seconds)
  local t_end=$((SECONDS + idle_seconds))
  while [ $SECONDS -lt $t_end ]; do kill -0 "$op_pid" || fail "idle: the operator died"; sleep 1; done
  mutations=$(( $(mutations_now) - mutations0 )) writes=$(( $(k_writes) - writes0 )) db=$(( $(db_writes) - db0 ))
  cpu=$(py "print(round($(cpu_seconds) - $cpu0, 2))")
  record idle "{\"users\": $total, \"seconds\": $idle_seconds, \"panel_mutations\": $mutations, \"kubernetes_writes\": $writes,
    \"database_row_writes\": $db, \"operator_cpu_seconds\": $cpu, \"operator_rss_mb\": $(rss_mb VmRSS)}"
  echo "idle: $total users, $idle_seconds s: $mutations panel mutations, $writes Kubernetes writes, $db database row writes, $cpu CPU s"
}

# --- memory --------------------------------------------------------------------------------
memory() {
  start_panels "$memory_nodes"
  make_fleet memory "$memory_nodes" m
  [ -n "${op_pid:-}" ] || start_operator
  within 300 nodes_up "$memory_nodes" || fail "memory: the $memory_nodes nodes did not become Ready"
  local before t0 t1 rss0 rss1
  within 120 sleep_until_quiet || true
  before=$(ready_count) t0=$(date +%s.%N) rss0=$(rss_mb VmRSS)
  kube_py create memory "$memory_users" m 32 >"$work/create-memory.json" || fail "creating memory users"
  within 7200 all_ready $((before + memory_users)) || fail "memory: not all $memory_users users became Ready ($(ready_count) are)"
  t1=$(date +%s.%N)
  within 300 sleep_until_quiet || true
  rss1=$(rss_mb VmRSS)
  # What each cached, placed assignment costs, and what 100,000 would come to at that rate.
  record memory "{\"users\": $memory_users, \"nodes\": $memory_nodes, \"seconds_to_all_ready\": $(py "print(round($t1 - $t0, 1))"),
    \"operator_rss_mb_nodes_only\": $rss0, \"operator_rss_mb\": $rss1, \"operator_peak_rss_mb\": $(rss_mb VmHWM),
    \"kib_per_assignment\": $(py "print(round(($rss1 - $rss0) * 1024 / $memory_users, 2))"),
    \"projected_rss_mb_at_100000\": $(py "print(round($rss0 + ($rss1 - $rss0) * 100000 / $memory_users, 1))")}"
  echo "memory: $memory_users users over $memory_nodes nodes, operator RSS $rss1 MB ($rss0 MB before them; peak $(rss_mb VmHWM) MB)"
}

declare -A controls=()
for s in $scenarios; do
  case $s in
    cold) cold; controls[cold]=$control ;;
    failover) failover; controls[failover]=$control ;;
    idle) idle ;;
    memory) memory; controls[memory]=$control ;;
    *) fail "unknown scenario $s" ;;
  esac
done

python3 - "$out" "$results" <<PY
import json, os, platform, subprocess, sys
fig = {"latency_ms": $latency, **json.load(open(sys.argv[2])),
       "machine": {"cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(), "kernel": platform.release()},
       "commit": subprocess.run(["git", "-C", "$root", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()}
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
json.dump(fig, open(sys.argv[1], "w"), indent=2)
for name, v in fig.items():
    if isinstance(v, dict) and name != "machine":
        print(f"== {name}")
        for k2, v2 in v.items():
            print(f"  {k2:<40} {v2 if k2 != 'without_placement' else str(v2)[:120]}")
PY
echo "written: $out"
