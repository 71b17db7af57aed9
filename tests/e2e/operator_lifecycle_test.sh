#!/usr/bin/env bash
# End to end, with real processes (x3ui-operator, kube-apiserver, PostgreSQL, x3ui-sim): the day-2
# life of a fleet. Drift (a client deleted by hand comes back with the same UUID, an owned client
# added by hand goes, a foreign one stays), bad input (an assignment naming a missing inbound or
# node, a panel refusing the credentials, with no login storm), cordon, drain, a manual migration by
# editing spec.nodeName, and an idle steady state: with everything Ready, IDLE_SECONDS (default 120)
# pass without a panel mutation, a Kubernetes write or a ledger write.
# Usage: operator_lifecycle_test.sh CONTROL_PLANE_DIR POSTGRES_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
pg_env=$2 op=$3 sim=$4
idle_seconds=${IDLE_SECONDS:-120}
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
setup_ledger_run "$pg_env" e2e-life

control=$(free_port) metrics=$(free_port) probes=$(free_port)
declare -A port
for n in a b c locked; do port[$n]=$(free_port); done
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: a, port: ${port[a]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "2.8"}
- {name: b, port: ${port[b]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "3.0"}
- {name: c, port: ${port[c]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "3.1"}
- {name: locked, port: ${port[locked]}, base_path: /, username: admin, password: not-what-the-secret-says, flavor: "3.0"}
YAML
start_sim "$sim"
panel() { curl -fsS "http://127.0.0.1:$control/panels/$1"; }
# Emails of the clients on panel $1's inbound 1, one per line.
emails_on() { panel "$1" | python3 -c "
import json,sys
for i in json.load(sys.stdin)['inbounds']:
    if i['id'] == 1:
        for c in i['clients']: print(c.get('email',''))"; }
client_id() { panel "$1" | python3 -c "
import json,sys
for i in json.load(sys.stdin)['inbounds']:
    for c in i['clients']:
        if c.get('email','') == '$2': print(c.get('id',''))"; }
has_client() { emails_on "$1" | grep -x "$2" >/dev/null; }  # not -q: pipefail
lacks_client() { ! has_client "$@"; }

k create namespace "$ns" >/dev/null
{
  panel_secret_yaml e2e-panel-secret
  for n in a b c locked; do
    cat <<YAML
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: $n}
spec:
  panel: {url: "http://127.0.0.1:${port[$n]}/", credentialsSecretRef: {name: panel}}
  publicHost: $n.example.com
  inbounds: [{name: reality, id: 1, protocol: vless}]
  capacity: {maxUsers: 100}
YAML
  done
} > "$work/nodes.yaml"
k apply -n "$ns" -f "$work/nodes.yaml" >/dev/null

"$op" --log-level "${LOG_LEVEL:-info}" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --database-url "postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
  --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$probes" \
  --probe-interval 1s --failure-threshold 2 --success-threshold 1 --failover-grace 3s --ledger-audit-interval 2s \
  --kube-api-qps 200 --kube-api-burst 400 >"$work/operator.log" 2>&1 &
op_pid=$!

phase_of() { k get "$1" "$2" -n "$ns" -o jsonpath='{.status.phase}'; }
cond() { k get "$1" "$2" -n "$ns" -o jsonpath="{.status.conditions[?(@.type==\"$3\")].$4}"; }
ready_abc() { for n in a b c; do [ "$(phase_of vn $n)" = Ready ] || return 1; done; }
check "nodes a, b and c become Ready" within 60 ready_abc

# A panel refusing the credentials: a clear condition, and no login storm.
login_refused() { [ "$(cond vn locked Ready reason)" = LoginFailed ]; }
check "a panel refusing the credentials is Ready=False LoginFailed" within 30 login_refused
msg=$(cond vn locked Ready message)
check "its message says which Secret to fix ($msg)" test "${msg#*credentials of Secret panel}" != "$msg"

users() { for i in "$@"; do printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: %s}\nspec: {user: {id: "%s", email: %s@example.com}}\n' "$i" "$i" "$i"; done; }
users u01 u02 u03 u04 u05 u06 u07 u08 u09 u10 u11 u12 > "$work/users.yaml"
k apply -n "$ns" -f "$work/users.yaml" >/dev/null
not_ready() { k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -cvx Ready; }
all_ready() { [ "$(not_ready)" = 0 ]; }
check "12 assignments become Ready" within 60 all_ready
spread=$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName}{"\n"}{end}' | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' ')
check "they spread 4/4/4 and none on the locked node (got $spread)" test "$spread" = "a=4 b=4 c=4 "
node_of() { k get va "$1" -n "$ns" -o jsonpath='{.status.nodeName}'; }
uuid_of() { k get secret "$1-vpn" -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d; }
email_of() { echo "reality.$1@$ns.x3ui"; }

# Bad input the schema cannot catch: Ready=False, naming the field to fix.
cat > "$work/bad.yaml" <<YAML
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: bad-inbound}
spec: {user: {id: bad-inbound, email: bad1@example.com}, inbounds: [nosuch]}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: bad-pin}
spec: {user: {id: bad-pin, email: bad2@example.com}, nodeName: nowhere}
YAML
k apply -n "$ns" -f "$work/bad.yaml" >/dev/null
bad_inbound() { [ "$(cond va bad-inbound Ready reason)" = UnknownInbound ] && [[ "$(cond va bad-inbound Ready message)" == spec.inbounds:* ]]; }
bad_pin() { [ "$(cond va bad-pin Ready reason)" = Unschedulable ] && [[ "$(cond va bad-pin Ready message)" == "spec.nodeName: pinned node nowhere does not exist" ]]; }
check "an unknown inbound: Ready=False UnknownInbound naming spec.inbounds" within 30 bad_inbound
check "a pin to a missing node: Ready=False Unschedulable naming spec.nodeName" within 30 bad_pin
k delete va bad-inbound bad-pin -n "$ns" >/dev/null
check "the bad assignments delete cleanly" within 30 bash -c "! kubectl --kubeconfig '$KUBECONFIG' get va bad-inbound bad-pin -n '$ns' -o name 2>/dev/null | grep -q ."

# Drift: a client deleted by hand comes back with the same UUID; an owned client no assignment
# wants goes; a foreign client stays.
victim=u01 vnode=$(node_of u01)
curl -fsS -X DELETE "http://127.0.0.1:$control/panels/$vnode/clients/$(email_of $victim)" >/dev/null
check "a client deleted by hand on $vnode comes back" within 30 has_client "$vnode" "$(email_of $victim)"
check "with the same UUID" test "$(client_id "$vnode" "$(email_of $victim)")" = "$(uuid_of $victim)"
# A client whose UUID was changed by hand (markers and limits untouched) is stale: the drift diff
# of the next probe finds it and the user gets its own UUID back.
victim=u02 vnode=$(node_of u02)
rekeyed='{"inbound_id":1,"client":{"id":"9e1b8a4e-0000-4000-8000-0000000bad01","email":"'$(email_of $victim)'","enable":true,"comment":"x3ui-operator:'$ns'/'$victim'"}}'
# The simulator's control API has no update: delete, then add by hand. A probe (every second) may
# re-add the user's own client in between; then the edit is made again.
rekey() {
  while has_client "$vnode" "$(email_of $victim)"; do
    curl -fsS -X DELETE "http://127.0.0.1:$control/panels/$vnode/clients/$(email_of $victim)" >/dev/null || return 1
  done
  curl -fsS -X POST -d "$rekeyed" "http://127.0.0.1:$control/panels/$vnode/clients" >/dev/null || return 1
  [ "$(client_id "$vnode" "$(email_of $victim)")" = 9e1b8a4e-0000-4000-8000-0000000bad01 ]
}
check "the UUID set by hand is the only client of $victim on $vnode" within 30 rekey
uuid_back() { [ "$(client_id "$vnode" "$(email_of $victim)")" = "$(uuid_of $victim)" ]; }
check "a client whose UUID was changed by hand gets the user's UUID back" within 30 uuid_back
ghost='{"inbound_id":1,"client":{"id":"9e1b8a4e-0000-4000-8000-00000000abcd","email":"reality.ghost@'$ns'.x3ui","enable":true,"comment":"x3ui-operator:'$ns'/ghost"}}'
foreign='{"inbound_id":1,"client":{"id":"9e1b8a4e-0000-4000-8000-00000000ef01","email":"reality.guest@'$ns'.x3ui","enable":true,"comment":"set up by hand"}}'
curl -fsS -X POST -d "$ghost" "http://127.0.0.1:$control/panels/b/clients" >/dev/null
curl -fsS -X POST -d "$foreign" "http://127.0.0.1:$control/panels/b/clients" >/dev/null
check "an owned client with no assignment is removed" within 30 lacks_client b "reality.ghost@$ns.x3ui"
check "a foreign client (our email pattern, not our comment) stays" has_client b "reality.guest@$ns.x3ui"
foreign_counted() { [ "$(k get vn b -n "$ns" -o jsonpath='{.status.drift.foreign}')" = 2 ]; }
check "node b reports 2 foreign clients in status.drift" within 30 foreign_counted
in_sync() { [ "$(cond vn b InSync status)" = True ]; }
check "node b is InSync again" within 30 in_sync

# The ledger heals itself while the operator runs: a placement row put on the wrong node (as a
# refused or lost ledger write would leave it) is switched back to the node the status names.
victim=u03
sql "UPDATE user_node_assignments SET node = 'nowhere' WHERE active AND assignment = '$victim'"
ledger_healed() { [ "$(sql "SELECT node FROM user_node_assignments WHERE active AND assignment = '$victim'")" = "$(node_of $victim)" ]; }
check "the ledger audit puts $victim's active row back on $(node_of $victim)" within 30 ledger_healed
check "still one active ledger row per user" test "$(sql "SELECT count(*) FROM user_node_assignments WHERE active AND assignment = '$victim'")" = 1

# Cordon: no new users on a; its users stay.
k patch vn a -n "$ns" --type merge -p '{"spec":{"unschedulable":true}}' >/dev/null
cordoned() { [ "$(cond vn a Schedulable reason)" = Cordoned ]; }
check "a cordoned node says Schedulable=False Cordoned" within 30 cordoned
users n1 n2 n3 | k apply -n "$ns" -f - >/dev/null
check "three more users become Ready" within 60 all_ready
check "none of them on the cordoned node" test "$(for u in n1 n2 n3; do node_of $u; echo; done | grep -c '^a$')" = 0
check "the cordoned node keeps its 4 users" test "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName}{"\n"}{end}' | grep -c '^a$')" = 4

# Drain: every user on b moves (to c: a is cordoned), keeping its UUID.
on_b=$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name} {.status.nodeName}{"\n"}{end}' | awk '$2=="b"{print $1}')
for u in $on_b; do echo "$u $(uuid_of "$u")"; done > "$work/b.before"
k patch vn b -n "$ns" --type merge -p '{"spec":{"drain":true}}' >/dev/null
drained() { [ "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.nodeName} {.status.phase}{"\n"}{end}' | grep -c -e '^b ' -e ' [^R]')" = 0 ]; }
check "draining b moves its $(wc -w <<<"$on_b") users away, all Ready" within 60 drained
check "b's phase is Draining" test "$(phase_of vn b)" = Draining
check "they went to c, not to the cordoned a" test "$(for u in $on_b; do node_of "$u"; echo; done | sort -u | tr -d '\n')" = c
for u in $on_b; do echo "$u $(uuid_of "$u")"; done > "$work/b.after"
check "the drained users keep their UUIDs" cmp -s "$work/b.before" "$work/b.after"
no_owned_on_b() { [ "$(emails_on b | grep -c "@$ns.x3ui\$")" = 1 ]; }  # the guest stays
check "b's panel holds none of their clients any more" within 30 no_owned_on_b

# A manual migration: pin a user on c to b (undrained first); same UUID, gone from c.
k patch vn a -n "$ns" --type merge -p '{"spec":{"unschedulable":false}}' >/dev/null
k patch vn b -n "$ns" --type merge -p '{"spec":{"drain":false}}' >/dev/null
b_ready() { [ "$(phase_of vn b)" = Ready ]; }
check "b is Ready again once undrained" within 30 b_ready
mover=$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name} {.status.nodeName}{"\n"}{end}' | awk '$2=="c"{print $1; exit}')
uuid_before=$(uuid_of "$mover") migrations_before=$(k get va "$mover" -n "$ns" -o jsonpath='{.status.migrations}')
k patch va "$mover" -n "$ns" --type merge -p '{"spec":{"nodeName":"b"}}' >/dev/null
moved() { [ "$(node_of "$mover")" = b ] && [ "$(phase_of va "$mover")" = Ready ]; }
check "editing spec.nodeName moves $mover to b" within 30 moved
check "same UUID after the manual move" test "$(uuid_of "$mover")" = "$uuid_before"
check "the move is counted" test "$(k get va "$mover" -n "$ns" -o jsonpath='{.status.migrations}')" = $((${migrations_before:-0} + 1))
check "its client is on b" has_client b "$(email_of "$mover")"
check "and gone from c" within 30 lacks_client c "$(email_of "$mover")"
check "the ledger agrees" test "$(sql "SELECT node FROM user_node_assignments WHERE active AND assignment = '$mover'")" = b
check "one active ledger row per user" test "$(sql "SELECT count(*) FROM user_node_assignments WHERE active")" = 15

scrape() { curl -fsS "http://127.0.0.1:$metrics/metrics"; }
check "x3ui_migrations_total counts the drain" bash -c "curl -fsS http://127.0.0.1:$metrics/metrics | grep -q '^x3ui_migrations_total{reason=\"NodeDraining\",result=\"success\"} $(wc -w <<<"$on_b")\$'"
check "x3ui_assignments counts 15 Ready" bash -c "curl -fsS http://127.0.0.1:$metrics/metrics | grep -q '^x3ui_assignments{phase=\"Ready\"} 15\$'"

# Idle steady state. First wait until nothing has been written for 15 s (PostgreSQL publishes a
# session's statistics up to 10 s late), then count over the window.
k_writes() { scrape | awk '/^rest_client_requests_total/ && /method="(POST|PUT|PATCH|DELETE)"/ {s += $NF} END {print s + 0}'; }
ledger_writes() { scrape | awk '/^x3ui_ledger_round_trips_total/ {s += $NF} END {print s + 0}'; }
db_writes() { psql -X -q -t -A -d postgres -c "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = '$db'"; }
mutations() { curl -fsS "http://127.0.0.1:$control/panels" | python3 -c "
import json,sys
d=json.load(sys.stdin)
ps = d if isinstance(d, list) else d.get('panels', list(d.values()))
print(sum(p.get('mutations', 0) for p in ps))"; }
quiet_since=$SECONDS last="$(k_writes) $(ledger_writes)"
quiet() { local now; now="$(k_writes) $(ledger_writes)"; if [ "$now" != "$last" ]; then last=$now; quiet_since=$SECONDS; fi; [ $((SECONDS - quiet_since)) -ge 15 ]; }
check "the operator goes quiet once everything is Ready" within 120 quiet
before="$(k_writes) $(ledger_writes) $(db_writes) $(mutations)"
logins_before=$(panel locked | python3 -c "import json,sys; print(json.load(sys.stdin)['counters'].get('login', 0))")
echo "idle from $(date -u +%FT%TZ) for $idle_seconds s: counting Kubernetes writes, ledger writes, database row changes, panel mutations"
sleep "$idle_seconds"  # the measurement window itself, not a wait for something to happen
after="$(k_writes) $(ledger_writes) $(db_writes) $(mutations)"
echo "before: $before; after: $after"
read -r kb lb db0 mb <<<"$before"
read -r ka la da ma <<<"$after"
check "idle: no Kubernetes write ($kb -> $ka)" test "$kb" = "$ka"
check "idle: no ledger write ($lb -> $la)" test "$lb" = "$la"
check "idle: no database row changed ($db0 -> $da)" test "$db0" = "$da"
check "idle: no panel mutation ($mb -> $ma)" test "$mb" = "$ma"
logins_after=$(panel locked | python3 -c "import json,sys; print(json.load(sys.stdin)['counters'].get('login', 0))")
check "no login storm on the locked panel ($logins_before -> $logins_after logins in $idle_seconds s)" test $((logins_after - logins_before)) -le $((idle_seconds / 60 + 1))
check "the locked panel's limiter never locked the account" test "$(panel locked | python3 -c "import json,sys; print(json.load(sys.stdin)['counters'].get('loginBlocked', 0))")" = 0
summary
