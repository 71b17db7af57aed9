#!/usr/bin/env bash
# End to end, a regression test for a standby that started during a database outage: when it
# takes the lead later, with the database answering again, it must finish or roll back the moves
# the old leader left open in the migration journal. (It used to read the database's state from
# its own start-up, skip the recovery, and leave the moves open for good; the chaos test showed
# it one run in three.)
#   1. Replica A leads with PostgreSQL up; alice is placed on one of two nodes.
#   2. PostgreSQL stops; replica B starts as a standby (its ledger unreachable at start).
#   3. PostgreSQL starts; a move of alice to the other node is written into the journal as A
#      would have begun it (planned: her status still names her node).
#   4. A is SIGKILLed; B takes the Lease over and must roll the move back.
# Its own PostgreSQL (stopped and started here); the shared control plane.
# Usage: standby_recovery_test.sh CONTROL_PLANE_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
op=$2 sim=$3
work=$(mktemp -d)
ns=e2e-standby-$$
db=standby
. "$(dirname "$0")/lib.sh"
cleanup() {
  for p in ${a_pid:-} ${b_pid:-}; do kill -KILL "$p" 2>/dev/null; done
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  bash "$root/hack/postgres.sh" destroy "$work/pg" >/dev/null 2>&1
  [ -n "${KEEP_E2E:-}" ] && { echo "kept $work and namespace $ns"; return; }
  k delete namespace "$ns" --wait=false >/dev/null
  rm -rf "$work"
}
root=$(cd "$(dirname "$0")/../.." && pwd)
trap cleanup EXIT

bash "$root/hack/postgres.sh" start "$work/pg" >/dev/null || { echo "no PostgreSQL"; exit 1; }
# shellcheck disable=SC1091
. <(grep -E '^(PGHOST|PGPORT|PGUSER|PGPASSWORD)=' "$work/pg/env" | sed 's/^/export /')
psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null || { echo "cannot create database $db"; exit 1; }
sql() { psql -X -q -t -A -d "$db" -c "$1"; }

read -r control p1 p2 ma mb <<<"$(distinct_ports 5)"
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: n1, port: $p1, base_path: /, username: admin, password: e2e-standby-secret, flavor: "2.8"}
- {name: n2, port: $p2, base_path: /, username: admin, password: e2e-standby-secret, flavor: "2.8"}
YAML
start_sim "$sim"
k create namespace "$ns" >/dev/null
{
  printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: panel, labels: {x3ui.io/panel-credentials: "true"}}\nstringData: {username: admin, password: e2e-standby-secret}\n'
  for n in 1 2; do
    port_var=p$n
    printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: n%s}\nspec:\n  panel: {url: "http://127.0.0.1:%s/", credentialsSecretRef: {name: panel}}\n  publicHost: n%s.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 10}\n' \
      "$n" "${!port_var}" "$n"
  done
  printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: alice}\nspec: {user: {id: "1", email: alice@example.com}}\n'
} > "$work/objects.yaml"

replica() {  # NAME METRICS_PORT
  "$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --leader-elect \
    --database-url "postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
    --metrics-bind-address "127.0.0.1:$2" --health-probe-bind-address 0 \
    --probe-interval 1s --failure-threshold 2 --success-threshold 1 >>"$work/$1.log" 2>&1 &
}
leads() { curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | grep '^leader_election_master_status{.*} 1$' >/dev/null; }

# 1. A leads; alice on n1.
replica a "$ma"
a_pid=$!
check "replica a leads" within 60 leads "$ma"
k apply -n "$ns" -f "$work/objects.yaml" >/dev/null
placed() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.phase}')" = Ready ]; }
check "alice is placed" within 60 placed
from=$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName}')
to=$([ "$from" = n1 ] && echo n2 || echo n1)

# 2. The database goes down; B starts as a standby and finds it unreachable.
bash "$root/hack/postgres.sh" stop "$work/pg" >/dev/null
replica b "$mb"
b_pid=$!
started_without_db() { grep -q "ledger unreachable at start" "$work/b.log"; }
check "replica b starts while the database is down" within 30 started_without_db
check "and waits as a standby" bash -c "! curl -fsS http://127.0.0.1:$mb/metrics | grep -q '^leader_election_master_status{.*} 1\$'"

# 3. The database is back; the old leader's half-done move, as it would have journaled it.
bash "$root/hack/postgres.sh" start "$work/pg" >/dev/null || { echo "PostgreSQL did not restart"; exit 1; }
move="$ns/alice:$from->$to:planted"
check "a planned move of alice $from -> $to is in the journal" test "$(sql "INSERT INTO migration_journal (move_id, namespace, assignment, from_node, to_node, reason, step)
  VALUES ('$move', '$ns', 'alice', '$from', '$to', 'NodeDraining', 'planned') RETURNING step")" = planned

# 4. A dies; B leads and rolls the move back (alice's status still names its source).
kill -KILL "$a_pid"
check "replica b takes the Lease over" within 60 leads "$mb"
rolled_back() { [ "$(sql "SELECT step FROM migration_journal WHERE move_id = '$move'")" = rolled-back ]; }
check "b rolls the old leader's move back" within 60 rolled_back
check "and says so" grep -q "migration journal: finished 0 and rolled back 1 moves" "$work/b.log"
stays() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.phase} {.status.nodeName}')" = "Ready $from" ]; }
check "alice stays on $from, Ready" stays
[ "$failed" = 0 ] || { echo "--- replica b's last lines:"; tail -n 20 "$work/b.log"; }
summary
