#!/usr/bin/env bash
# End to end, every fault of the reliability requirements in one run under load, on a control
# plane and a PostgreSQL server of its own (both are restarted here, which the shared fixtures
# must not be): four simulated panels of different flavors, 100 users with two clients each, two
# operator replicas under leader election, each restarted whenever it exits, as a Deployment's
# pods would be. In order, overlapping:
#  1. PostgreSQL is down when both replicas start: the leader places every user anyway and
#     /readyz reports the ledger; a graceful handover (SIGTERM) happens while it is still down.
#  2. Under a change to every user: panel a refuses connections, b answers 20 % of requests 500,
#     c loses its sessions every second, d drips its replies a byte at a time; PostgreSQL starts.
#  3. c is black-holed (requests held unanswered) and the kube-apiserver restarts.
#  4. A VpnMigration b -> a on a slow target; the leader is SIGKILLed while a move is open in the
#     journal, and the other replica takes the Lease over and finishes it.
# Then the invariants, each waited for with a deadline: every user Ready; one set of owned
# clients per user, on the node its status names only, with its own keys; one active ledger row
# per user on that node; no pending removal or open move; the foreign clients made by hand before
# the chaos exactly as they were; no credential in the logs, the custom resources, the Events,
# /metrics or a dump of the ledger.
# Usage: operator_chaos_test.sh OPERATOR_BINARY SIM_BINARY
set -uo pipefail
op=$1 sim=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
ns=e2e-chaos
users=100
. "$root/tests/e2e/lib.sh"
checker="$root/tests/e2e/chaos_check.py"

cleanup() {
  for r in a b; do
    touch "$work/$r.down"
    [ -f "$work/$r.supervisor" ] && kill -KILL "$(cat "$work/$r.supervisor")" 2>/dev/null
    [ -f "$work/$r.pid" ] && kill -KILL "$(cat "$work/$r.pid")" 2>/dev/null
  done
  # Reap the supervisors quietly (bash would report each killed job). Not a bare `wait`: it would
  # wait for the simulator too, which is stopped below.
  for r in a b; do [ -f "$work/$r.supervisor" ] && wait "$(cat "$work/$r.supervisor")" 2>/dev/null; done
  [ -n "${chaos_pid:-}" ] && kill -KILL "$chaos_pid" 2>/dev/null
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  bash "$root/hack/postgres.sh" destroy "$work/pg" >/dev/null 2>&1
  bash "$root/hack/control-plane.sh" destroy "$work/kube" >/dev/null 2>&1
  [ -n "${KEEP_E2E:-}" ] && { echo "kept $work"; return; }
  rm -rf "$work"
}
trap cleanup EXIT

bash "$root/hack/control-plane.sh" start "$work/kube" --crds="$root/crds" || { echo "no control plane"; exit 1; }
. "$work/kube/env"
bash "$root/hack/postgres.sh" start "$work/pg" || { echo "no PostgreSQL"; exit 1; }
# shellcheck disable=SC1091
. <(grep -E '^(PGHOST|PGPORT|PGUSER|PGPASSWORD)=' "$work/pg/env" | sed 's/^/export /')
db=chaos
psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null || { echo "cannot create database $db"; exit 1; }
bash "$root/hack/postgres.sh" stop "$work/pg"

secret() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }
control=$(free_port)
declare -A port pw flavor=([a]=2.8-legacy [b]=2.8 [c]=3.0 [d]=3.1)
for n in a b c d; do port[$n]=$(free_port); pw[$n]=$(secret); done
token_d=$(secret)
{
  echo "control_port: $control"
  echo "panels:"
  for n in a b c d; do
    echo "- {name: $n, port: ${port[$n]}, base_path: /$n/, username: admin, password: ${pw[$n]}, flavor: \"${flavor[$n]}\"$([ $n = d ] && echo ", api_token: $token_d")}"
  done
} > "$work/sim.yaml"
start_sim "$sim"
panels() { curl -fsS "http://127.0.0.1:$control/panels"; }
fault() { curl -fsS -X PUT -d "$2" "http://127.0.0.1:$control/panels/$1/faults" >/dev/null; }

# Foreign clients, made by hand before the operator starts: plain ones, one imitating only the
# owned email pattern, one imitating only the owned comment (besides the panels' own "owner" ones).
for n in a b c d; do
  curl -fsS -X POST -d '{"inbound_id":1,"client":{"id":"'"$(cat /proc/sys/kernel/random/uuid)"'","email":"guest-'$n'@example.com","enable":true,"comment":"set up by hand"}}' "http://127.0.0.1:$control/panels/$n/clients" >/dev/null
  curl -fsS -X POST -d '{"inbound_id":1,"client":{"id":"'"$(cat /proc/sys/kernel/random/uuid)"'","email":"reality.guest-'$n'@'$ns'.x3ui","enable":true,"comment":"set up by hand"}}' "http://127.0.0.1:$control/panels/$n/clients" >/dev/null
  curl -fsS -X POST -d '{"inbound_id":2,"client":{"password":"'"$(secret)"'","email":"visitor-'$n'@example.com","enable":true,"comment":"x3ui-operator:'$ns'/u001"}}' "http://127.0.0.1:$control/panels/$n/clients" >/dev/null
done
panels > "$work/panels.before.json"
python3 "$checker" foreign "$work/panels.before.json" "$ns" > "$work/foreign.txt"
check "the foreign clients are in place ($(wc -l <"$work/foreign.txt"))" test "$(wc -l <"$work/foreign.txt")" = 20

k create namespace "$ns" >/dev/null
{
  for n in a b c d; do
    if [ $n = d ]; then creds="{username: admin, password: ${pw[$n]}, token: $token_d}"; else creds="{username: admin, password: ${pw[$n]}}"; fi
    cat <<YAML
---
apiVersion: v1
kind: Secret
metadata: {name: panel-$n, labels: {x3ui.io/panel-credentials: "true"}}
stringData: $creds
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: $n}
spec:
  panel: {url: "http://127.0.0.1:${port[$n]}/$n/", credentialsSecretRef: {name: panel-$n}}
  publicHost: $n.example.com
  inbounds: [{name: reality, id: 1, protocol: vless}, {name: trojan, id: 2, protocol: trojan}]
  capacity: {maxUsers: $users}
YAML
  done
} | k apply -n "$ns" -f - >/dev/null

# A replica runs as a Deployment's pod would: restarted whenever it exits (after 1 s, the
# kubelet's first back-off) until $work/NAME.down exists. $work/NAME.pid names the running process,
# $work/NAME.exits records each exit status.
declare -A metrics probes
replica() {
  local r=$1
  metrics[$r]=$(free_port) probes[$r]=$(free_port)
  (
    while [ ! -e "$work/$r.down" ]; do
      "$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --leader-elect \
        --database-url "postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
        --metrics-bind-address "127.0.0.1:${metrics[$r]}" --health-probe-bind-address "127.0.0.1:${probes[$r]}" \
        --probe-interval 1s --failure-threshold 2 --success-threshold 1 --failover-grace 3s \
        --ledger-audit-interval 10s --graceful-shutdown-timeout 10s \
        --kube-api-qps 200 --kube-api-burst 400 >>"$work/$r.log" 2>&1 &
      echo $! > "$work/$r.pid"
      wait $!
      echo "$?" >> "$work/$r.exits"
      [ -e "$work/$r.down" ] || sleep 1
    done
  ) &
  echo $! > "$work/$r.supervisor"
}
# Not `grep -q` after a pipe: under pipefail its early exit fails the writer (SIGPIPE) when the
# match comes before the end, and the replica would seem not to lead.
leads() { curl -fsS "http://127.0.0.1:${metrics[$1]}/metrics" 2>/dev/null | grep '^leader_election_master_status{.*} 1$' >/dev/null; }
leader() { for r in a b; do leads $r && { echo $r; return 0; }; done; return 1; }
replica a
check "replica a leads" within 60 leads a
replica b

phases() { k get "$1" -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}'; }
nodes_ready() { [ "$(phases vn | grep -cx Ready)" = 4 ]; }
check "the four nodes become Ready with the database down" within 60 nodes_ready
assignments() { for i in $(seq 1 $users); do printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: u%03d}\nspec: {user: {id: "%d", email: u%d@example.com}, limits: {ipLimit: %d}}\n' "$i" "$i" "$i" "$1"; done; }
assignments 1 | k apply -n "$ns" -f - >/dev/null
all_ready() { [ "$(phases va | grep -cx Ready)" = $users ]; }
check "$users users become Ready with the database down" within 120 all_ready
ledger_reported() { curl -sS "http://127.0.0.1:${probes[$(leader)]}/readyz/ledger" 2>/dev/null | grep 'ledger database is unreachable' >/dev/null; }
check "the leader's /readyz reports the ledger" ledger_reported
# The placements wait in the leader's write queue, and its gauge says how many.
pending_is() { curl -fsS "http://127.0.0.1:${metrics[$(leader)]}/metrics" 2>/dev/null | awk -v want="$1" '/^x3ui_ledger_writes_pending / {ok = (want == "some") ? $NF > 0 : $NF == 0} END {exit !ok}'; }
check "the leader's x3ui_ledger_writes_pending counts the writes held back" within 10 pending_is some
check "no replica exited with the database down" test ! -e "$work/a.exits" -a ! -e "$work/b.exits"

# Graceful handover while the database is still down: the leader drains and releases the Lease,
# and a new process takes it: the other replica, or this one restarted (its supervisor restarts it
# after 1 s, as the kubelet would, and it may win the released Lease first).
check "a replica leads before the handover" within 30 leader
first=$(leader)
old_holder=$(holder)
kill -TERM "$(cat "$work/$first.pid")"
handed_over() { local h; h=$(holder); [ -n "$h" ] && [ "$h" != "$old_holder" ] && leader >/dev/null; }
check "SIGTERM to $first hands the Lease to a new process" within 40 handed_over
check "$first exited cleanly on SIGTERM" test "$(head -n1 "$work/$first.exits" 2>/dev/null)" = 0

# 2. Faults under a change to every user; the database starts in the middle.
fault a '{"outage":true}'
fault b '{"error_rate":0.2}'
fault d '{"drip_ms":2}'
( while :; do curl -fsS -X POST "http://127.0.0.1:$control/panels/c/expire-sessions" >/dev/null; sleep 1; done ) &
chaos_pid=$!
assignments 2 | k apply -n "$ns" -f - >/dev/null
on() { k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName}{"\n"}{end}' | grep -cx "$1"; }
unreachable() { [ "$(k get vn "$1" -n "$ns" -o jsonpath='{.status.phase}')" = Unreachable ]; }
check "a (refusing) turns Unreachable" within 30 unreachable a
bash "$root/hack/postgres.sh" start "$work/pg" >/dev/null || echo "PostgreSQL did not start"
evacuated() { [ "$(on "$1")" = 0 ]; }
# Generous: the targets are the failing, session-losing and dripping panels, on a loaded machine
# (one run took 60 s); how fast a failover is, the fleet benchmark measures.
check "a's users fail over" within 150 evacuated a
ledger_up() { [ "$(psql -X -q -t -A -d "$db" -c "SELECT count(*) FROM user_node_assignments WHERE active" 2>/dev/null)" = $users ]; }
check "the ledger catches up once PostgreSQL is up" within 60 ledger_up
check "and the leader's write queue drains to x3ui_ledger_writes_pending 0" within 60 pending_is none
fault a '{"outage":false}'; fault b '{"error_rate":0}'; fault d '{"drip_ms":0}'
kill -KILL "$chaos_pid"; wait "$chaos_pid" 2>/dev/null; chaos_pid=""
limit_is() { [ "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.spec.limits.ipLimit} {.status.phase}{"\n"}{end}' | grep -cx "$1 Ready")" = $users ]; }
check "every user Ready with the change" within 90 limit_is 2

# 3. c black-holed, and the kube-apiserver restarted meanwhile.
fault c '{"hang":true}'
bash "$root/hack/control-plane.sh" restart-apiserver "$work/kube" >/dev/null || echo "kube-apiserver did not restart"
check "c (black-holed) turns Unreachable" within 60 unreachable c
check "c's users fail over" within 60 evacuated c
fault c '{"hang":false}'
check "every user Ready after the restart" within 90 all_ready

# 4. A VpnMigration b -> a on a slow target; SIGKILL of the leader while a move is open.
fault a '{"latency_ms":700}'
k apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: x3ui.io/v1alpha1
kind: VpnMigration
metadata: {name: b-to-a}
spec: {fromNode: b, toNode: a}
YAML
open_moves() { [ "$(psql -X -q -t -A -d "$db" -c "SELECT count(*) FROM migration_journal WHERE reason <> '' AND step NOT IN ('done','rolled-back')" 2>/dev/null)" -gt 0 ] 2>/dev/null; }
check "the migration opens moves" within 60 open_moves
check "a replica leads before the SIGKILL" within 30 leader
victim=$(leader)
victim_pid=$(cat "$work/$victim.pid")
kill -KILL "$victim_pid"
# Restarted: a new process named in the pid file, alive.
respawned() { local p; p=$(cat "$work/$victim.pid"); [ "$p" != "$victim_pid" ] && kill -0 "$p" 2>/dev/null; }
check "the SIGKILLed $victim is restarted" within 20 respawned
fault a '{"latency_ms":0}'
led() { leader >/dev/null; }
check "a replica takes the Lease over" within 40 led
succeeded() { [ "$(k get vmig b-to-a -n "$ns" -o jsonpath='{.status.phase}')" = Succeeded ]; }
check "the migration Succeeds" within 120 succeeded

# The invariants.
gather() {
  panels > "$work/panels.json" && k get va -n "$ns" -o json > "$work/va.json" &&
    k get secrets -n "$ns" -o json > "$work/secrets.json" &&
    psql -X -q -t -A -d "$db" -c "SELECT assignment, node FROM user_node_assignments WHERE active" > "$work/ledger.txt"
}
converged() { gather && python3 "$checker" converged "$ns" $users 2 "$work/panels.json" "$work/va.json" "$work/secrets.json" "$work/ledger.txt" "$work/foreign.txt" > "$work/check.out"; }
check "every user Ready, one client set on its status node, one matching ledger row, foreign clients untouched" within 120 converged
cat "$work/check.out"
sqlcount() { psql -X -q -t -A -d "$db" -c "$1"; }
check "no pending removal left" within 60 bash -c "[ \"\$(psql -X -q -t -A -d $db -c 'SELECT count(*) FROM pending_removals')\" = 0 ]"
# The journal's last steps go out through the ledger's write queue: waited for, not sampled.
no_open_move() { [ "$(sqlcount "SELECT count(*) FROM migration_journal WHERE step NOT IN ('done','rolled-back')")" = 0 ]; }
check "no open move in the journal" within 60 no_open_move
no_open_move || sqlcount "SELECT move_id, assignment, from_node, to_node, reason, step, updated_at FROM migration_journal WHERE step NOT IN ('done','rolled-back')"
check "the processes exited only as told or on a lost Lease" bash -c "! cat '$work'/*.exits | grep -vxE '0|1|137'"

# No credential outside Secrets.
python3 "$checker" needles "$work/secrets.json" "${pw[@]}" "$token_d" "$PGPASSWORD" > "$work/needles.txt"
check "every user's three keys are searched for" test "$(wc -l <"$work/needles.txt")" -ge $((users * 6))
check "the search finds the keys where they are (the panels)" bash -c "! python3 '$checker' leaks '$work/needles.txt' '$work/panels.json' >/dev/null"
k get vn,va,vmig -n "$ns" -o json > "$work/resources.json"
k get events -n "$ns" -o json > "$work/events.json"
k get events.events.k8s.io -n "$ns" -o json > "$work/events2.json"
for r in a b; do curl -fsS "http://127.0.0.1:${metrics[$r]}/metrics" > "$work/metrics.$r.txt"; done
pg_dump -d "$db" > "$work/ledger.sql"
check "no credential in logs, resources, Events, metrics or the ledger" \
  python3 "$checker" leaks "$work/needles.txt" "$work/a.log" "$work/b.log" "$work/resources.json" "$work/events.json" \
  "$work/events2.json" "$work/metrics.a.txt" "$work/metrics.b.txt" "$work/ledger.sql"
cat "$work/a.log" "$work/b.log" > "$work/operator.log"
summary
