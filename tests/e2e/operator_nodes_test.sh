#!/usr/bin/env bash
# End to end, with real processes: x3ui-operator against the real kube-apiserver and x3ui-sim.
# A VpnNode becomes Ready with its panel's API flavor (and, its panel being plain http://, the
# InsecureTransport condition and one Warning Event); /readyz and /metrics answer; an outage
# makes it Unreachable and the recovery Ready again; the log never holds the panel password;
# it leads through a Lease, and SIGTERM stops it cleanly and releases the Lease.
# Usage: operator_nodes_test.sh CONTROL_PLANE_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
op=$2 sim=$3
work=$(mktemp -d)
ns=e2e-nodes-$$
. "$(dirname "$0")/lib.sh"
phase_is() { [ "$(k get vn fra-1 -n "$ns" -o jsonpath='{.status.phase}')" = "$1" ]; }
trap run_cleanup EXIT

panel=$(free_port) control=$(free_port) metrics=$(free_port) probes=$(free_port)
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: fra-1, port: $panel, base_path: /fra1/, username: admin, password: e2e-panel-secret, flavor: "3.0"}
YAML
start_sim "$sim"

k create namespace "$ns" >/dev/null
k apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: fra-panel, labels: {x3ui.io/panel-credentials: "true"}}
stringData: {username: admin, password: e2e-panel-secret}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: fra-1}
spec:
  panel: {url: "http://127.0.0.1:$panel/fra1/", credentialsSecretRef: {name: fra-panel}}
  publicHost: fra-1.example.com
  inbounds: [{name: reality, id: 1, protocol: vless}]
  capacity: {maxUsers: 100}
YAML

"$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --metrics-bind-address "127.0.0.1:$metrics" \
  --health-probe-bind-address "127.0.0.1:$probes" --probe-interval 1s --failure-threshold 2 \
  --success-threshold 1 --log-format json --leader-elect >"$work/operator.log" 2>&1 &
op_pid=$!

check "it takes the leader lease" within 30 held
check "the node becomes Ready" within 30 phase_is Ready
check "apiFlavor is reported" test "$(k get vn fra-1 -n "$ns" -o jsonpath='{.status.apiFlavor}')" = "classic-csrf"
check "Ready condition True" test "$(k get vn fra-1 -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "True"
# A plain http:// panel is used, and said to be insecure: the condition, and one Warning Event.
insecure=$(k get vn fra-1 -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="InsecureTransport")].status}/{.status.conditions[?(@.type=="InsecureTransport")].reason}')
check "InsecureTransport True PlainHttp" test "$insecure" = "True/PlainHttp"
insecure_events() { k get events.events.k8s.io -n "$ns" -o jsonpath='{range .items[?(@.reason=="InsecureTransport")]}{.type}{"\n"}{end}'; }
has_insecure_event() { [ "$(insecure_events)" = "Warning" ]; }
check "one Warning Event InsecureTransport" within 10 has_insecure_event
check "/readyz answers 200" within 10 curl -fsS "http://127.0.0.1:$probes/readyz" -o /dev/null
check "/healthz answers 200" curl -fsS "http://127.0.0.1:$probes/healthz" -o /dev/null
metrics_text=$(curl -fsS "http://127.0.0.1:$metrics/metrics")
check "x3ui_node_up is 1" grep -q "^x3ui_node_up{node=\"$ns/fra-1\"} 1$" <<<"$metrics_text"
check "controller-runtime series" grep -q '^controller_runtime_reconcile_total{controller="vpnnode",result="requeue_after"}' <<<"$metrics_text"
check "rest_client_requests_total" grep -q '^rest_client_requests_total{code="200"' <<<"$metrics_text"
promtool=$(bash "$(dirname "$0")/../../hack/promtool.sh")
lint_metrics() { "$promtool" check metrics <<<"$metrics_text" >"$work/promtool.out" 2>&1 || { cat "$work/promtool.out"; false; }; }
check "promtool check metrics passes" lint_metrics
# Every metric the chart's alert rules and dashboard read is one the operator serves (a renamed
# series would leave an alert silently never firing, a panel silently empty).
chart_metrics_served() {
  python3 - "$(dirname "$0")/../../charts/x3ui-operator/files" "$work/metrics.txt" <<'PY'
import json, re, sys, yaml
files = sys.argv[1]
exprs = [r['expr'] for g in yaml.safe_load(open(files + '/alerts.yaml'))['groups'] for r in g['rules']]
exprs += [t['expr'] for p in json.load(open(files + '/dashboard.json'))['panels'] for t in p['targets']]
names = {n for e in exprs for n in re.findall(r'\b((?:x3ui|controller_runtime|workqueue)_[a-z_]+)\b', e)}
names = {re.sub(r'_(bucket|sum|count)$', '', n) for n in names}
served = set(re.findall(r'^# TYPE (\S+)', open(sys.argv[2]).read(), re.M))
missing = sorted(names - served)
assert len(names) > 10 and not missing, f"not served: {missing}"
PY
}
printf '%s\n' "$metrics_text" > "$work/metrics.txt"
check "every metric of the alert rules and the dashboard is served" chart_metrics_served

# A user: placed on the only node, a client on its panel, a credentials Secret with its keys.
k apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: alice}
spec:
  user: {id: "1001", email: alice@example.com}
  limits: {ipLimit: 2}
YAML
va_phase_is() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.phase}')" = "$1" ]; }
check "the assignment becomes Ready" within 30 va_phase_is Ready
check "it is placed on fra-1" test "$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName}')" = fra-1
check "a Placed Event is recorded" within 10 bash -c "kubectl --kubeconfig '$KUBECONFIG' get events.events.k8s.io -n '$ns' -o jsonpath='{.items[*].reason}' | grep -qw Placed"
uuid=$(k get secret alice-vpn -n "$ns" -o jsonpath='{.data.uuid}' | base64 -d)
check "the Secret holds a UUID" grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' <<<"$uuid"
check "the node publishes its inbound's endpoint for the links" test "$(k get vn fra-1 -n "$ns" -o jsonpath='{.status.inbounds[0].protocol}@{.status.inbounds[0].address}:{.status.inbounds[0].port}')" = vless@fra-1.example.com:443
check "the Secret holds no link (nothing that depends on the node)" test -z "$(k get secret alice-vpn -n "$ns" -o jsonpath='{.data.links}{.data.subscription}')"
check "the Secret is owned by the assignment" test "$(k get secret alice-vpn -n "$ns" -o jsonpath='{.metadata.ownerReferences[0].kind}')" = VpnAssignment
panel_state=$(curl -fsS "http://127.0.0.1:$control/panels/fra-1")
check "the panel has the owned client with that UUID and limit" python3 -c "
import json,sys
d=json.loads(sys.argv[1])
c=[c for i in d['inbounds'] for c in i['clients'] if c.get('email')=='reality.alice@$ns.x3ui']
sys.exit(0 if len(c)==1 and c[0]['id']=='$uuid' and c[0]['limitIp']==2 else 1)" "$panel_state"
node_users() { [ "$(k get vn fra-1 -n "$ns" -o jsonpath='{.status.users}')" = "$1" ]; }
check "the node counts the user" within 15 node_users 1
check "the UUID is not in the assignment's status" bash -c "! kubectl --kubeconfig '$KUBECONFIG' get va alice -n '$ns' -o json | grep -q '$uuid'"
check "the UUID is never logged" bash -c "! grep -q '$uuid' '$work/operator.log'"

curl -fsS -X PUT -d '{"outage":true}' "http://127.0.0.1:$control/panels/fra-1/faults" >/dev/null
check "an outage makes it Unreachable" within 30 phase_is Unreachable
node_down_metric() { curl -fsS "http://127.0.0.1:$metrics/metrics" -o "$work/metrics.txt" && grep -q "^x3ui_node_up{node=\"$ns/fra-1\"} 0$" "$work/metrics.txt"; }
check "x3ui_node_up is 0" within 10 node_down_metric
curl -fsS -X PUT -d '{"outage":false}' "http://127.0.0.1:$control/panels/fra-1/faults" >/dev/null
check "it recovers" within 30 phase_is Ready

check "the panel password is never logged" bash -c "! grep -q e2e-panel-secret '$work/operator.log'"
check "log lines are JSON" bash -c "grep -v '^x3ui-operator\|^configuration\|^  ' '$work/operator.log' | head -n 5 | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]'"
kill -TERM "$op_pid"
stopped() { ! kill -0 "$op_pid" 2>/dev/null; }
check "SIGTERM stops it within 15 s" within 15 stopped
wait "$op_pid"; code=$?
check "exit code 0 after SIGTERM (got $code)" test "$code" -eq 0
check "the lease is released on shutdown" test -z "$(holder)"
op_pid=""
summary
