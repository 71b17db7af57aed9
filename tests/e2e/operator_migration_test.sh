#!/usr/bin/env bash
# End to end, with real processes (x3ui-operator, kube-apiserver, PostgreSQL, x3ui-sim): a
# VpnMigration dry run plans and moves nobody; the real run moves every user of a node keeping
# their UUIDs; then the operator is SIGKILLed right after each step of a move (planned,
# added-on-target, committed, switched, removed-from-source) and restarted: every time the user
# ends on one node with one set of clients, the ledger agrees, the journal is closed, and nothing
# is doubled.
# Usage: operator_migration_test.sh CONTROL_PLANE_DIR POSTGRES_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
pg_env=$2 op=$3 sim=$4
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
setup_ledger_run "$pg_env" e2e-mig

control=$(free_port) metrics=$(free_port) probes=$(free_port)
declare -A port
for n in a b; do port[$n]=$(free_port); done
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: a, port: ${port[a]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "2.8"}
- {name: b, port: ${port[b]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "3.1"}
YAML
start_sim "$sim"
# "name node" for every owned client on every panel, sorted.
owned_clients() { curl -fsS "http://127.0.0.1:$control/panels" | python3 -c "
import json,sys
for p in json.load(sys.stdin):
    for i in p['inbounds']:
        for c in i['clients']:
            e = c.get('email','')
            if e.endswith('@$ns.x3ui'): print(e.split('@')[0].split('.',1)[1], p['name'])" | sort; }
client_id() { curl -fsS "http://127.0.0.1:$control/panels/$1" | python3 -c "
import json,sys
for i in json.load(sys.stdin)['inbounds']:
    for c in i['clients']:
        if c.get('email','') == '$2': print(c.get('id',''))"; }

k create namespace "$ns" >/dev/null
{
  panel_secret_yaml e2e-panel-secret
  for n in a b; do
    printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: %s}\nspec:\n  panel: {url: "http://127.0.0.1:%s/", credentialsSecretRef: {name: panel}}\n  publicHost: %s.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 100}\n' "$n" "${port[$n]}" "$n"
  done
} > "$work/nodes.yaml"
{
  for i in 1 2 3 4 5 6; do
    printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: u%s}\nspec: {user: {id: "%s", email: u%s@example.com}}\n' "$i" "$i" "$i"
  done
} > "$work/fleet.yaml"

start_operator() {
  "$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --database-url "postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
    --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$probes" \
    --probe-interval 1s --failure-threshold 2 --success-threshold 1 --failover-grace 3s \
    --kube-api-qps 200 --kube-api-burst 400 "$@" >>"$work/operator.log" 2>&1 &
  op_pid=$!
}
start_operator
k apply -n "$ns" -f "$work/nodes.yaml" >/dev/null
nodes_ready() { [ "$(k get vn -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -cx Ready)" = 2 ]; }
check "nodes a and b become Ready" within 60 nodes_ready
k apply -n "$ns" -f "$work/fleet.yaml" >/dev/null
not_ready() { k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -cvx Ready; }
all_ready() { [ "$(k get va -n "$ns" -o name | wc -l)" = 6 ] && [ "$(not_ready)" = 0 ]; }
check "6 users become Ready" within 60 all_ready
node_of() { k get va "$1" -n "$ns" -o jsonpath='{.status.nodeName}'; }
uuid_of() { k get secret "$1-vpn" -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d; }
users_on() { k get va -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name} {.status.nodeName}{"\n"}{end}' | awk -v n="$1" '$2==n{print $1}'; }
check "3 on a, 3 on b" test "$(users_on a | wc -l) $(users_on b | wc -l)" = "3 3"
for u in u1 u2 u3 u4 u5 u6; do echo "$u $(uuid_of $u)"; done > "$work/uuids"

# A dry run: the plan is in status, nobody moves.
on_a=$(users_on a | tr '\n' ' ')
k apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: x3ui.io/v1alpha1
kind: VpnMigration
metadata: {name: empty-a}
spec: {fromNode: a, toNode: b, dryRun: true}
YAML
planned() { [ "$(k get vmig empty-a -n "$ns" -o jsonpath='{.status.phase}')" = Planned ]; }
check "the dry run is Planned" within 30 planned
plan=$(k get vmig empty-a -n "$ns" -o jsonpath='{range .status.plan[*]}{.user}:{.from}->{.to} {end}')
echo "plan: $plan"
expected=$(for u in $on_a; do printf '%s:a->b ' "$u"; done)
check "the plan moves exactly a's users to b" test "$plan" = "$expected"
check "nobody moved" test "$(users_on a | tr '\n' ' ')" = "$on_a"
check "a still holds their clients" test "$(owned_clients | awk '$2=="a"' | wc -l)" = "$(wc -w <<<"$on_a")"

# The real run: the same migration with dryRun off.
k patch vmig empty-a -n "$ns" --type merge -p '{"spec":{"dryRun":false}}' >/dev/null
succeeded() { [ "$(k get vmig empty-a -n "$ns" -o jsonpath='{.status.phase}')" = Succeeded ]; }
check "the migration Succeeds" within 60 succeeded
check "it counts $(wc -w <<<"$on_a") migrated" test "$(k get vmig empty-a -n "$ns" -o jsonpath='{.status.migrated}')" = "$(wc -w <<<"$on_a")"
check "a holds no user" test "$(users_on a | wc -l)" = 0
check "a's panel holds no owned client" within 30 bash -c "! curl -fsS http://127.0.0.1:$control/panels/a | grep -q '@$ns.x3ui'"
check "every user keeps its UUID" cmp -s "$work/uuids" <(for u in u1 u2 u3 u4 u5 u6; do echo "$u $(uuid_of $u)"; done)
check "all 6 Ready on b" all_ready

# SIGKILL right after each step of a move, then a restart.
for step in planned added-on-target committed switched removed-from-source; do
  kill -TERM "$op_pid"; wait "$op_pid" 2>/dev/null
  echo "--- crash after $step" >>"$work/operator.log"
  start_operator --crash-after-move-step "$step"
  user=$(users_on b | head -n 1)
  target=a
  k patch va "$user" -n "$ns" --type merge -p "{\"spec\":{\"nodeName\":\"$target\"}}" >/dev/null
  died() { ! kill -0 "$op_pid" 2>/dev/null; }
  check "[$step] the operator dies at the step" within 60 died
  # One that did not reach the step would keep the wait below from returning: say what it did.
  if ! died; then grep -F "$user" "$work/operator.log" | tail -n 20; kill -KILL "$op_pid"; fi
  wait "$op_pid" 2>/dev/null; code=$?
  check "[$step] killed by SIGKILL (exit $code)" test "$code" = 137
  start_operator
  landed() { [ "$(node_of "$user")" = "$target" ] && all_ready; }
  check "[$step] after a restart $user is Ready on $target" within 60 landed
  landed || k get va -n "$ns" -o wide
  one_copy() { [ "$(owned_clients | awk -v u="$user" '$1==u' | tr '\n' ' ')" = "$user $target " ]; }
  check "[$step] exactly one copy of its client, on $target" within 30 one_copy
  check "[$step] same UUID on the panel" test "$(client_id "$target" "reality.$user@$ns.x3ui")" = "$(grep "^$user " "$work/uuids" | cut -d' ' -f2)"
  ledger_ok() { [ "$(sql "SELECT node FROM user_node_assignments WHERE active AND assignment = '$user'")" = "$target" ] &&
                [ "$(sql "SELECT count(*) FROM user_node_assignments WHERE active")" = 6 ]; }
  check "[$step] the ledger agrees, one active row per user" within 30 ledger_ok
  journal_closed() { [ "$(sql "SELECT count(*) FROM migration_journal WHERE step NOT IN ('done', 'rolled-back')")" = 0 ]; }
  check "[$step] the journal has no open move" within 30 journal_closed
  check "[$step] every user keeps its UUID" cmp -s "$work/uuids" <(for u in u1 u2 u3 u4 u5 u6; do echo "$u $(uuid_of $u)"; done)
  check "[$step] 6 owned clients in all, no doubles" test "$(owned_clients | wc -l)" = 6
done
echo "journal:"; sql "SELECT assignment, from_node, to_node, step FROM migration_journal ORDER BY id" | sed 's/^/  /'
summary
