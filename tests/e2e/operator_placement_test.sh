#!/usr/bin/env bash
# End to end, with real processes: x3ui-operator against the real kube-apiserver, PostgreSQL and
# x3ui-sim. 300 assignments over three nodes of one priority with weights 1:2:3 land 50/100/150;
# then the weight-1 node's panel goes down, its users fail over after the grace with the same
# UUIDs, the ledger holds exactly one active row per user, and when the panel is back the clients
# left on it are removed.
# Usage: operator_placement_test.sh CONTROL_PLANE_DIR POSTGRES_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
pg_env=$2 op=$3 sim=$4
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
setup_ledger_run "$pg_env" e2e-place

control=$(free_port) metrics=$(free_port) probes=$(free_port)
declare -A port
for n in w1 w2 w3; do port[$n]=$(free_port); done
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: w1, port: ${port[w1]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "2.8"}
- {name: w2, port: ${port[w2]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "3.0"}
- {name: w3, port: ${port[w3]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "3.1"}
YAML
start_sim "$sim"

k create namespace "$ns" >/dev/null
{
  panel_secret_yaml e2e-panel-secret
  for n in w1 w2 w3; do
    cat <<YAML
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: $n}
spec:
  panel: {url: "http://127.0.0.1:${port[$n]}/", credentialsSecretRef: {name: panel}}
  publicHost: $n.example.com
  inbounds: [{name: reality, id: 1, protocol: vless}]
  capacity: {maxUsers: 1000}
  priority: 10
  weight: ${n#w}
YAML
  done
} > "$work/nodes.yaml"
k apply -n "$ns" -f "$work/nodes.yaml" >/dev/null

"$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --database-url "postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
  --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$probes" \
  --probe-interval 1s --failure-threshold 2 --success-threshold 1 --failover-grace 3s \
  --kube-api-qps 500 --kube-api-burst 1000 >"$work/operator.log" 2>&1 &
op_pid=$!

ready_nodes() { [ "$(k get vn -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$')" = 3 ]; }
check "three nodes become Ready" within 60 ready_nodes

for i in $(seq 1 300); do
  printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: u%03d}\nspec: {user: {id: "%d", email: u%d@example.com}}\n' "$i" "$i" "$i"
done > "$work/users.yaml"
t0=$SECONDS
k apply -n "$ns" -f "$work/users.yaml" >/dev/null
ready_users() { [ "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$')" = 300 ]; }
check "300 assignments become Ready" within 300 ready_users
echo "300 users applied and Ready in $((SECONDS - t0)) s"
placement=$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName}{"\n"}{end}' | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' ')
echo "placement: $placement"
check "weights 1:2:3 give 50/100/150 (got $placement)" test "$placement" = "w1=50 w2=100 w3=150 "
check "the ledger has 300 active rows" within 30 bash -c "[ \"\$(psql -X -q -t -A -d $db -c \"SELECT count(*) FROM user_node_assignments WHERE active\")\" = 300 ]"

# The weight-1 panel goes down; its 50 users fail over after the 3 s grace, with the same UUIDs.
on_w1=$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name} {.status.nodeName}{"\n"}{end}' | awk '$2=="w1"{print $1}')
for u in $on_w1; do echo "$u $(k get secret "$u-vpn" -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d)"; done > "$work/uuids.before"
curl -fsS -X PUT -d '{"outage":true}' "http://127.0.0.1:$control/panels/w1/faults" >/dev/null
none_on_w1() { [ "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName}{" "}{.status.phase}{"\n"}{end}' | grep -c -v '^w[23] Ready$')" = 0 ]; }
check "every user on w1 fails over and is Ready elsewhere" within 120 none_on_w1
for u in $on_w1; do echo "$u $(k get secret "$u-vpn" -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d)"; done > "$work/uuids.after"
check "the moved users keep their UUIDs" cmp -s "$work/uuids.before" "$work/uuids.after"
check "50 users count one migration each" test "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.migrations}{"\n"}{end}' | grep -c '^1$')" = 50
check "one active ledger row per user" test "$(sql "SELECT count(*) FROM (SELECT assignment FROM user_node_assignments WHERE active GROUP BY assignment HAVING count(*) = 1) x")" = 300
check "none of them active on w1" test "$(sql "SELECT count(*) FROM user_node_assignments WHERE active AND node = 'w1'")" = 0
check "50 pending removals on w1" within 30 bash -c "[ \"\$(psql -X -q -t -A -d $db -c \"SELECT count(*) FROM pending_removals WHERE node = 'w1'\")\" = 50 ]"

# w1 comes back: the clients left there are removed; its own foreign clients stay.
curl -fsS -X PUT -d '{"outage":false}' "http://127.0.0.1:$control/panels/w1/faults" >/dev/null
owned_on_w1() { curl -fsS "http://127.0.0.1:$control/panels/w1" | python3 -c "
import json,sys
d=json.load(sys.stdin)
print(sum(1 for i in d['inbounds'] for c in i['clients'] if c.get('email','').endswith('@$ns.x3ui')))"; }
no_owned_on_w1() { [ "$(owned_on_w1)" = 0 ]; }
check "the clients left on w1 are removed once it answers" within 60 no_owned_on_w1
check "the ledger's pending removals are completed" within 30 bash -c "[ \"\$(psql -X -q -t -A -d $db -c \"SELECT count(*) FROM pending_removals WHERE node = 'w1'\")\" = 0 ]"
check "foreign clients on w1 stay" test "$(curl -fsS "http://127.0.0.1:$control/panels/w1" | python3 -c "
import json,sys
d=json.load(sys.stdin)
print(sum(1 for i in d['inbounds'] for c in i['clients'] if c.get('email','').startswith('owner-')))")" -gt 0

# w3 is deleted: its users move to the nodes that remain, with the same UUIDs.
on_w3=$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name} {.status.nodeName}{"\n"}{end}' | awk '$2=="w3"{print $1}')
for u in $on_w3; do echo "$u $(k get secret "$u-vpn" -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d)"; done > "$work/w3.before"
k delete vn w3 -n "$ns" >/dev/null
none_on_w3() { [ "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName}{" "}{.status.phase}{"\n"}{end}' | grep -c -v '^w[12] Ready$')" = 0 ]; }
check "deleting w3 moves its $(wc -w <<<"$on_w3") users to w1 and w2" within 120 none_on_w3
for u in $on_w3; do echo "$u $(k get secret "$u-vpn" -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d)"; done > "$work/w3.after"
check "they keep their UUIDs" cmp -s "$work/w3.before" "$work/w3.after"
check "the ledger agrees: nobody active on w3" test "$(sql "SELECT count(*) FROM user_node_assignments WHERE active AND node = 'w3'")" = 0
summary
