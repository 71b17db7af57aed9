#!/usr/bin/env bash
# End to end: leader handover between two x3ui-operator replicas against the real kube-apiserver
# and x3ui-sim. The leader is frozen (SIGSTOP) in the middle of applying a change to every user
# on slow panels, past its lease; the standby takes the Lease over and finishes the work; the old
# leader is thawed (SIGCONT) and must exit at once without one more panel mutation. The simulator attributes every mutating request
# to the login that opened its session: the logins made before the freeze are the old leader's
# (the standby touches no panel before it leads).
# Usage: operator_handover_test.sh CONTROL_PLANE_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
op=$2 sim=$3
work=$(mktemp -d)
ns=e2e-handover-$$
. "$(dirname "$0")/lib.sh"
cleanup() {
  for p in ${a_pid:-} ${b_pid:-}; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "${KEEP_E2E:-}" ] && { echo "kept $work and namespace $ns"; return; }
  k delete namespace "$ns" --wait=false >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

p1=$(free_port) p2=$(free_port) control=$(free_port)
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: w1, port: $p1, base_path: /w1/, username: admin, password: e2e-handover-secret, flavor: "2.8"}
- {name: w2, port: $p2, base_path: /w2/, username: admin, password: e2e-handover-secret, flavor: "2.8"}
YAML
start_sim "$sim"
panel() { curl -fsS "http://127.0.0.1:$control/panels/$1"; }
field() { panel "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
# The panels' owned clients (one JSON document per panel on stdin) with limitIp $1.
count_limit() {
  python3 -c "
import json, re, sys
text, dec, docs, at = sys.stdin.read(), json.JSONDecoder(), [], 0
while text[at:].strip():
    doc, at = dec.raw_decode(text, len(text) - len(text[at:].lstrip()))
    docs.append(doc)
print(sum(1 for d in docs for i in d['inbounds'] for c in i['clients']
          if re.match(r'reality[.]u[0-9]+@', c['email']) and c.get('limitIp') == $1))"
}

k create namespace "$ns" >/dev/null
{
  cat <<YAML
apiVersion: v1
kind: Secret
metadata: {name: panel, labels: {x3ui.io/panel-credentials: "true"}}
stringData: {username: admin, password: e2e-handover-secret}
YAML
  for n in 1 2; do
    port_var=p$n
    cat <<YAML
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: w$n}
spec:
  panel: {url: "http://127.0.0.1:${!port_var}/w$n/", credentialsSecretRef: {name: panel}}
  publicHost: w$n.example.com
  inbounds: [{name: reality, id: 1, protocol: vless}]
  capacity: {maxUsers: 500}
YAML
  done
} | k apply -n "$ns" -f - >/dev/null

start_replica() {  # $1: name; sets ${1}_pid
  "$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --metrics-bind-address 0 \
    --health-probe-bind-address 0 --probe-interval 2s --log-format json --leader-elect \
    >"$work/$1.log" 2>&1 &
  eval "${1}_pid=$!"
}
nodes_ready() { [ "$(k get vn -n "$ns" -o jsonpath='{.items[*].status.phase}')" = "Ready Ready" ]; }

start_replica a
check "replica a takes the Lease" within 30 held
old_holder=$(holder)
start_replica b  # only now: a is the leader, b the standby
check "the nodes become Ready under a" within 30 nodes_ready

users=20
assignments() {  # $1: ipLimit
  for i in $(seq 1 $users); do
    cat <<YAML
---
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: u$i}
spec:
  user: {id: "$((5000 + i))", email: u$i@example.com}
  limits: {ipLimit: $1}
YAML
  done
}
ready_with() {  # every user Ready with ipLimit $1 on its panel
  [ "$(k get va -n "$ns" -o jsonpath='{.items[*].status.phase}' | tr ' ' '\n' | grep -c '^Ready$')" -eq $users ] || return 1
  [ "$( (panel w1; panel w2) | count_limit "$1")" -eq $users ]
}
assignments 1 | k apply -n "$ns" -f - >/dev/null
check "a places every user" within 60 ready_with 1

# Slow panels (3 s a request): a change to every user makes a's reconcilers queue up behind each
# panel's mutation lock (one mutation at a time per panel). Frozen then, a has panel work in hand.
for w in w1 w2; do curl -fsS -X PUT -d '{"latency_ms":3000}' "http://127.0.0.1:$control/panels/$w/faults" >/dev/null; done
assignments 2 | k apply -n "$ns" -f - >/dev/null
in_flight() { [ $(( $(field w1 mutations_in_flight) + $(field w2 mutations_in_flight) )) -gt 0 ]; }
check "a sends a mutation (slowed by the panel)" within 30 in_flight
kill -STOP "$a_pid"
stopped() { [ "$(awk '{print $3}' "/proc/$a_pid/stat")" = T ]; }
check "a is frozen" within 5 stopped
declare -A logins_a
for w in w1 w2; do logins_a[$w]=$(field $w successful_logins); done
# What a sent before it froze is answered within its 3 s, long before b can lead.
for w in w1 w2; do curl -fsS -X PUT -d '{"latency_ms":0}' "http://127.0.0.1:$control/panels/$w/faults" >/dev/null; done
settled() { [ $(( $(field w1 mutations_in_flight) + $(field w2 mutations_in_flight) )) -eq 0 ]; }
check "the held requests are answered" within 10 settled

# The Lease is 15 s: b takes it once it has not changed for that long.
changed() { h=$(holder); [ -n "$h" ] && [ "$h" != "$old_holder" ]; }
check "b takes the Lease over" within 40 changed
declare -A takeover
for w in w1 w2; do takeover[$w]=$(field $w mutation_requests); done
check "b applies the change to every user" within 60 ready_with 2

kill -CONT "$a_pid"
thawed=$SECONDS
exited() { ! kill -0 "$a_pid" 2>/dev/null; }
# Long enough for the old drain (30 s) to have shown itself.
check "a exits after it is thawed" within 40 exited
exited || kill -KILL "$a_pid"
wait "$a_pid"; code=$?
check "a exits at once, not after a drain ($((SECONDS - thawed)) s)" test $((SECONDS - thawed)) -le 5
check "a exits with code 1 (lost the Lease)" test "$code" -eq 1
check "a logs that it lost the Lease" grep -q 'identity=[^ ]* lost' "$work/a.log"
# Mutations that arrived after b took over, through a session a opened before it was frozen.
old_leader_mutations() {
  panel "$1" | python3 -c "
import json, sys
log = json.load(sys.stdin)['mutation_log']
print(sum(1 for m in log if m['request'] > ${takeover[$1]} and 1 <= m['login'] <= ${logins_a[$1]}))"
}
for w in w1 w2; do
  n=$(old_leader_mutations $w)
  check "no panel mutation by the old leader on $w after the takeover (saw $n)" test "$n" -eq 0
done
check "every user is still Ready with the change" ready_with 2
owned_once() {
  panel "$1" | python3 -c "
import json, re, sys
emails = [c['email'] for i in json.load(sys.stdin)['inbounds'] for c in i['clients'] if re.match(r'reality[.]u[0-9]+@', c['email'])]
sys.exit(0 if len(emails) == len(set(emails)) else 1)"
}
check "no user has two clients on w1" owned_once w1
check "no user has two clients on w2" owned_once w2
kill -TERM "$b_pid"
b_exited() { ! kill -0 "$b_pid" 2>/dev/null; }
check "b stops on SIGTERM" within 40 b_exited
check "b releases the Lease on SIGTERM" test -z "$(holder)"
cp "$work/a.log" "$work/operator.log"
summary
