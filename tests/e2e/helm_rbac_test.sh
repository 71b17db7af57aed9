#!/usr/bin/env bash
# The Helm chart against a real kube-apiserver running with --authorization-mode=RBAC:
#  1. helm lint and helm template, with the defaults and with every option on; a values file with
#     a wrong type is refused; the chart's crds/ equal the canonical crds/.
#  2. helm install creates every object (and the CRDs); helm upgrade changes them.
#  3. RBAC proven: a TokenRequest for the chart's service account, and the operator run out of
#     cluster through its in-cluster path (token and CA files, KUBERNETES_SERVICE_HOST/PORT) with
#     only that token: a node, a user and a VpnMigration dry run all converge in the namespace the
#     chart's Role serves, and the account can touch no Secret elsewhere. Then every verb of every
#     rule the chart grants is removed in turn (the served namespace's Role copied into a fresh
#     namespace without it, or the leader-election Role without it), and each time the operator
#     reports the permission it lacks (no rule is superfluous, none is missing).
#  4. Cluster-wide mode (rbac.clusterWide): a ClusterRole with the same rules, bound cluster-wide.
#  5. helm uninstall leaves the CRDs and the custom resources in place.
# The subscription server (subscriptions.enabled) is proven the same way: rendered with its
# Ingress and the operator's --subscription-base-url, installed, run in cluster mode with its own
# account's token (it serves a user's subscription and can touch nothing else), and each of its
# grants removed in turn.
# Usage: helm_rbac_test.sh OPERATOR_BINARY SIM_BINARY
set -uo pipefail
op=$1 sim=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
. "$root/tests/e2e/lib.sh"
helm=$(bash "$root/hack/helm.sh") || { echo "no helm"; exit 1; }
chart="$root/charts/x3ui-operator"
cleanup() {
  [ -n "${op_pid:-}" ] && kill -KILL "$op_pid" 2>/dev/null
  [ -n "${sub_pid:-}" ] && kill -KILL "$sub_pid" 2>/dev/null
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  bash "$root/hack/control-plane.sh" destroy "$work/kube" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Offline: lint, template, schema, CRD copies.
check "helm lint passes" "$helm" lint "$chart"
check "helm template renders with the defaults" bash -c "'$helm' template x3ui-operator '$chart' -n x3ui-system > '$work/default.yaml'"
cat > "$work/all-on.yaml" <<'YAML'
replicaCount: 2
watchNamespaces: [vpn]
metrics: {bindAddress: ":8080", service: {enabled: true}}
networkPolicy: {enabled: true, metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
secretsPolicy: {enabled: true}
operator: {panelHostAllow: ["*.example.com", 10.0.0.0/8], panelHostDeny: [169.254.0.0/16]}
database: {existingSecret: x3ui-ledger, secretKey: url}
extraArgs: [--kube-api-qps=50]
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: vpn, effect: NoSchedule}]
affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app.kubernetes.io/name: x3ui-operator}}}}]}}
podDisruptionBudget: {enabled: true, minAvailable: 1}
prometheus: {serviceMonitor: {enabled: true, interval: 15s, labels: {release: prometheus}}, rules: {enabled: true, labels: {release: prometheus}}}
grafana: {dashboard: {enabled: true}}
serviceAccount: {annotations: {example.com/role: vpn}}
fullnameOverride: a-very-long-release-name-that-goes-on-and-on-well-past-the-limit-of-63-chars
subscriptions: {enabled: true, trustedProxies: [10.0.0.0/8], ingress: {enabled: true, className: nginx, host: sub.example.com, tlsSecretName: sub-tls}}
YAML
check "helm template renders with every option on" bash -c "'$helm' template x3ui-operator '$chart' -n x3ui-system -f '$work/all-on.yaml' > '$work/all-on.out.yaml'"
for kind in PodDisruptionBudget ServiceMonitor PrometheusRule RoleBinding NetworkPolicy ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding Ingress; do
  check "every option on renders a $kind" grep -q "^kind: $kind" "$work/all-on.out.yaml"
done
check "the PrometheusRule carries files/alerts.yaml's rules as they are" python3 -c "
import yaml
rule = [d for d in yaml.safe_load_all(open('$work/all-on.out.yaml')) if d and d['kind'] == 'PrometheusRule'][0]
assert rule['spec'] == yaml.safe_load(open('$chart/files/alerts.yaml')), rule['spec']
assert rule['metadata']['labels']['release'] == 'prometheus'"
check "the dashboard ConfigMap carries files/dashboard.json for the Grafana sidecar" python3 -c "
import json, yaml
cm = [d for d in yaml.safe_load_all(open('$work/all-on.out.yaml')) if d and d['kind'] == 'ConfigMap' and d['metadata']['name'].endswith('-dashboard')][0]
assert cm['metadata']['labels']['grafana_dashboard'] == '1', cm['metadata']['labels']
assert json.loads(cm['data']['x3ui-operator-fleet.json']) == json.load(open('$chart/files/dashboard.json'))"
check "more than one replica turns leader election on" grep -q -- "- --leader-elect" "$work/all-on.out.yaml"
check "one replica leaves it off" bash -c "! grep -q -- '- --leader-elect' '$work/default.yaml'"
check "the database URL comes from the Secret" grep -q "name: x3ui-ledger" "$work/all-on.out.yaml"
check "names are cut to 63 characters" bash -c "! grep -E '^  name: .{64,}' '$work/all-on.out.yaml'"
# The subscription server: off by default; on, the Ingress's host gives the operator its URL prefix.
check "the subscription server is off by default" bash -c "! grep -q -- '- subscriptions$' '$work/default.yaml' && ! grep -q subscription-base-url '$work/default.yaml'"
check "its Ingress's host is the operator's --subscription-base-url" grep -q -- "- --subscription-base-url=https://sub.example.com/sub/" "$work/all-on.out.yaml"
check "it serves the operator's namespace, read-only, from an account of its own" python3 -c "
import yaml
docs = [d for d in yaml.safe_load_all(open('$work/all-on.out.yaml')) if d]
by = lambda kind, suffix: [d for d in docs if d['kind'] == kind and d['metadata']['name'].endswith(suffix)]
dep = by('Deployment', '-subscriptions')[0]['spec']
c = dep['template']['spec']['containers'][0]
assert c['args'][0] == 'subscriptions' and '--namespaces=vpn' in c['args'] and '--trusted-proxies=10.0.0.0/8' in c['args'], c['args']
assert dep['template']['spec']['serviceAccountName'].endswith('-subscriptions')
role = by('Role', '-subscriptions')[0]
assert role['metadata']['namespace'] == 'vpn'
assert {v for r in role['rules'] for v in r['verbs']} == {'list', 'watch'}, role['rules']
ing = by('Ingress', '-subscriptions')[0]['spec']
assert ing['tls'] == [{'hosts': ['sub.example.com'], 'secretName': 'sub-tls'}] and ing['ingressClassName'] == 'nginx', ing
# Neither Deployment (nor the operator's PodDisruptionBudget) selects the other's pods.
op = [d for d in docs if d['kind'] == 'Deployment' and not d['metadata']['name'].endswith('-subscriptions')][0]['spec']
sub_labels, op_labels = dep['template']['metadata']['labels'], op['template']['metadata']['labels']
assert not set(op['selector']['matchLabels'].items()) <= set(sub_labels.items())
assert not set(dep['selector']['matchLabels'].items()) <= set(op_labels.items())"
check "subscriptions.tls.secretName serves TLS from that Secret, mounted read-only, probed over HTTPS" bash -c "'$helm' template x3ui-operator '$chart' --set subscriptions.enabled=true,subscriptions.baseUrl=https://sub.example.com/sub/,subscriptions.tls.secretName=sub-tls | python3 -c \"
import sys, yaml
dep = [d for d in yaml.safe_load_all(sys.stdin) if d and d['kind'] == 'Deployment' and d['metadata']['name'].endswith('-subscriptions')][0]
pod = dep['spec']['template']['spec']
c = pod['containers'][0]
assert '--tls-cert-file=/etc/x3ui/subscriptions-tls/tls.crt' in c['args'] and '--tls-key-file=/etc/x3ui/subscriptions-tls/tls.key' in c['args'], c['args']
assert c['volumeMounts'] == [{'name': 'tls', 'mountPath': '/etc/x3ui/subscriptions-tls', 'readOnly': True}], c['volumeMounts']
assert pod['volumes'] == [{'name': 'tls', 'secret': {'secretName': 'sub-tls'}}], pod['volumes']
assert c['readinessProbe']['httpGet']['scheme'] == 'HTTPS' and c['livenessProbe']['httpGet']['scheme'] == 'HTTPS'
\""
check "without it, plain HTTP and no volume" bash -c "'$helm' template x3ui-operator '$chart' --set subscriptions.enabled=true,subscriptions.baseUrl=https://sub.example.com/sub/ | python3 -c \"
import sys, yaml
dep = [d for d in yaml.safe_load_all(sys.stdin) if d and d['kind'] == 'Deployment' and d['metadata']['name'].endswith('-subscriptions')][0]
pod = dep['spec']['template']['spec']
assert 'volumes' not in pod and not [a for a in pod['containers'][0]['args'] if a.startswith('--tls-')]
assert pod['containers'][0]['readinessProbe']['httpGet']['scheme'] == 'HTTP'
\""
"$helm" template x3ui-operator "$chart" --set subscriptions.enabled=true >/dev/null 2>"$work/sub.err"
check "the subscription server without a public URL is refused, saying what to set" grep -q "subscriptions.enabled: set subscriptions.baseUrl" "$work/sub.err"
# Namespaced by default: a Role and RoleBinding where the operator watches, no cluster-wide grant.
kinds_in() { python3 -c "
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d: print(d['kind'], d['metadata'].get('namespace', '-'), d['metadata']['name'])" "$1"; }
kinds_in "$work/default.yaml" > "$work/default.kinds"
check "by default the grants are a Role in the release's namespace" grep -qx "Role x3ui-system x3ui-operator" "$work/default.kinds"
check "and its RoleBinding" grep -qx "RoleBinding x3ui-system x3ui-operator" "$work/default.kinds"
check "and no ClusterRole or ClusterRoleBinding for the operator" bash -c "! grep -Eq '^Cluster(Role|RoleBinding) - x3ui-operator$' '$work/default.kinds'"
check "the operator watches the release's namespace only" grep -q -- "- --namespace=x3ui-system" "$work/default.yaml"
kinds_in "$work/all-on.out.yaml" > "$work/all-on.kinds"
check "watchNamespaces puts the Role in that namespace" grep -Eqx "Role vpn a-very-long-release-name.*" "$work/all-on.kinds"
check "and tells the operator" grep -q -- "- --namespace=vpn" "$work/all-on.out.yaml"
"$helm" template x3ui-operator "$chart" -n x3ui-system --set rbac.clusterWide=true > "$work/cluster.yaml"
kinds_in "$work/cluster.yaml" > "$work/cluster.kinds"
check "rbac.clusterWide renders a ClusterRole" grep -qx "ClusterRole - x3ui-operator" "$work/cluster.kinds"
check "and a ClusterRoleBinding" grep -qx "ClusterRoleBinding - x3ui-operator" "$work/cluster.kinds"
check "and the operator watches every namespace" bash -c "! grep -q -- '- --namespace' '$work/cluster.yaml'"
"$helm" template x3ui-operator "$chart" --set 'watchNamespaces={a,b}' >/dev/null 2>"$work/two.err"
check "two watched namespaces are refused, saying why" grep -q "the operator watches one namespace (--namespace), got 2 (a, b)" "$work/two.err"
# /metrics: loopback by default, so no Service; a Service needs a pod address.
check "/metrics binds loopback by default" grep -q -- "- --metrics-bind-address=127.0.0.1:8080" "$work/default.yaml"
check "no metrics Service and no metrics container port by default" bash -c "! grep -Eq '^Service |name: metrics$' '$work/default.kinds' && ! grep -q 'containerPort: 8080' '$work/default.yaml'"
check "the probes stay on the pod's address" grep -q -- "- --health-probe-bind-address=:8081" "$work/default.yaml"
check "the fleet console binds loopback (port-forward only) and has no container port" bash -c "grep -q -- '- --dashboard-bind-address=127.0.0.1:8082' '$work/default.yaml' && ! grep -q 'containerPort: 8082' '$work/default.yaml'"
"$helm" template x3ui-operator "$chart" --set-string dashboard.bindAddress=0 > "$work/no-console.yaml"
check "dashboard.bindAddress=0 turns the console off" grep -q -- "- --dashboard-bind-address=0" "$work/no-console.yaml"
"$helm" template x3ui-operator "$chart" --set metrics.service.enabled=true >/dev/null 2>"$work/svc.err"
check "a Service in front of loopback-only /metrics is refused, saying what to set" grep -q "metrics.service.enabled: /metrics listens on 127.0.0.1:8080" "$work/svc.err"
check "the NetworkPolicy admits the named namespace to the metrics port only" python3 -c "
import sys, yaml
np = [d for d in yaml.safe_load_all(open('$work/all-on.out.yaml')) if d and d['kind'] == 'NetworkPolicy'][0]['spec']
assert np['policyTypes'] == ['Ingress'], np
assert np['ingress'] == [{'from': [{'namespaceSelector': {'matchLabels': {'kubernetes.io/metadata.name': 'monitoring'}}}],
                          'ports': [{'port': 8080, 'protocol': 'TCP'}]}], np['ingress']"
"$helm" template x3ui-operator "$chart" --set networkPolicy.enabled=true --show-only templates/metrics/networkpolicy.yaml > "$work/np-none.yaml"
check "a NetworkPolicy naming nobody admits nothing" grep -q "ingress: \[\]" "$work/np-none.yaml"
check "the NetworkPolicy and the Secrets admission policy are off by default" bash -c "! grep -Eq '^(NetworkPolicy|ValidatingAdmissionPolicy) ' '$work/default.kinds'"
check "the admission policy applies to the chart's service account" grep -q 'request.userInfo.username == "system:serviceaccount:x3ui-system:a-very-long-release-name' "$work/all-on.out.yaml"
check "and admits only Opaque Secrets labelled managed-by x3ui-operator" grep -q 'object.type == "Opaque"' "$work/all-on.out.yaml"
check "the panel host lists reach the operator" bash -c "grep -q -- '- --panel-host-allow=\*.example.com,10.0.0.0/8' '$work/all-on.out.yaml' && grep -q -- '- --panel-host-deny=169.254.0.0/16' '$work/all-on.out.yaml'"
printf 'replicaCount: two\n' > "$work/bad.yaml"
"$helm" template x3ui-operator "$chart" -f "$work/bad.yaml" >/dev/null 2>"$work/bad.err"
check "a wrong type is refused, naming the value" grep -q "replicaCount: Invalid type. Expected: integer, given: string" "$work/bad.err"
printf 'operator: {logFormat: xml}\n' > "$work/bad2.yaml"
"$helm" template x3ui-operator "$chart" -f "$work/bad2.yaml" >/dev/null 2>"$work/bad2.err"
check "a value outside its enum is refused" grep -q "operator.logFormat" "$work/bad2.err"
for f in "$root"/crds/*.yaml; do
  check "the chart's copy of $(basename "$f") equals crds/" cmp -s "$f" "$chart/crds/$(basename "$f")"
done
check "the chart holds no other CRD file" test "$(ls "$chart/crds" | wc -l)" = "$(ls "$root"/crds/*.yaml | wc -l)"
# The restricted security context of the pod.
for want in "runAsNonRoot: true" "readOnlyRootFilesystem: true" "allowPrivilegeEscalation: false" "type: RuntimeDefault" "- ALL"; do
  check "the Deployment sets $want" grep -q -- "$want" "$work/default.yaml"
done

# 2. Install and upgrade into a control plane that enforces RBAC.
bash "$root/hack/control-plane.sh" start "$work/kube" --authorization-mode=RBAC >"$work/cp.log" 2>&1 || { cat "$work/cp.log"; exit 1; }
. "$work/kube/env"
k create namespace rbac-baseline >/dev/null  # the namespace the operator serves
check "helm install" bash -c "'$helm' install x3ui-operator '$chart' -n x3ui-system --create-namespace --kubeconfig '$KUBECONFIG' --set leaderElection.enabled=true,watchNamespaces[0]=rbac-baseline,metrics.bindAddress=:8080,metrics.service.enabled=true,subscriptions.enabled=true,subscriptions.baseUrl=https://sub.example.com/sub/ > '$work/install.log' 2>&1"
for obj in deployment/x3ui-operator serviceaccount/x3ui-operator service/x3ui-operator-metrics role/x3ui-operator-leader-election \
           rolebinding/x3ui-operator-leader-election clusterrole/x3ui-operator-vpn-viewer \
           crd/vpnnodes.x3ui.io crd/vpnassignments.x3ui.io crd/vpnmigrations.x3ui.io deployment/x3ui-operator-subscriptions \
           serviceaccount/x3ui-operator-subscriptions service/x3ui-operator-subscriptions poddisruptionbudget/x3ui-operator-subscriptions; do
  check "install created $obj" bash -c "kubectl --kubeconfig '$KUBECONFIG' -n x3ui-system get $obj -o name >/dev/null 2>&1"
done
for obj in role/x3ui-operator rolebinding/x3ui-operator role/x3ui-operator-subscriptions rolebinding/x3ui-operator-subscriptions; do
  check "install created $obj in the namespace served" bash -c "kubectl --kubeconfig '$KUBECONFIG' -n rbac-baseline get $obj -o name >/dev/null 2>&1"
done
check "install created no cluster-wide grant for the operator" bash -c "! kubectl --kubeconfig '$KUBECONFIG' get clusterrole/x3ui-operator >/dev/null 2>&1 && ! kubectl --kubeconfig '$KUBECONFIG' get clusterrolebinding/x3ui-operator >/dev/null 2>&1"
check "the Deployment watches the namespace served" bash -c "kubectl --kubeconfig '$KUBECONFIG' -n x3ui-system get deploy x3ui-operator -o yaml | grep -q -- --namespace=rbac-baseline"
check "NOTES tell the user what to do next" grep -q "Next:" "$work/install.log"
check "helm upgrade" bash -c "'$helm' upgrade x3ui-operator '$chart' -n x3ui-system --kubeconfig '$KUBECONFIG' --reuse-values --set operator.logLevel=debug,metrics.service.port=9090 >/dev/null 2>&1"
check "the upgrade reached the Deployment" bash -c "kubectl --kubeconfig '$KUBECONFIG' -n x3ui-system get deploy x3ui-operator -o yaml | grep -q -- --log-level=debug"
check "and the Service" test "$(k -n x3ui-system get svc x3ui-operator-metrics -o jsonpath='{.spec.ports[0].port}')" = 9090
kubectl --kubeconfig "$KUBECONFIG" wait --for condition=established --timeout=60s crd/vpnnodes.x3ui.io crd/vpnassignments.x3ui.io crd/vpnmigrations.x3ui.io >/dev/null

# 3. RBAC proven, through the in-cluster configuration path.
# Writes into directory $2 what a pod of service account $1 (in x3ui-system) finds mounted: a
# token from a TokenRequest, the cluster's CA and the namespace.
service_account_dir() {
  mkdir -p "$2"
  curl -fsS --cacert "$KUBE_CA" -H "Authorization: Bearer $KUBE_TOKEN" -H 'Content-Type: application/json' -X POST \
    -d '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}}' \
    "$KUBE_API/api/v1/namespaces/x3ui-system/serviceaccounts/$1/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["token"], end="")' > "$2/token"
  cp "$KUBE_CA" "$2/ca.crt"
  printf 'x3ui-system' > "$2/namespace"
}
sa="$work/serviceaccount"
service_account_dir x3ui-operator "$sa"
check "a TokenRequest gives the service account a token" test -s "$sa/token"
api_host=$(sed -E 's#https://([^:/]+):([0-9]+).*#\1#' <<<"$KUBE_API") api_port=$(sed -E 's#https://([^:/]+):([0-9]+).*#\2#' <<<"$KUBE_API")
# Runs a command ($2...) as in a pod of the account whose files are in directory $1 (see
# service_account_dir): they are mounted where in-cluster clients read them, in a mount namespace
# of its own, and KUBERNETES_SERVICE_HOST/PORT name the API server. Execs: run it in the background.
in_cluster() {
  exec unshare --mount --propagation private sh -c '
    mkdir -p /var/run/secrets/kubernetes.io/serviceaccount &&
    mount --bind "$0" /var/run/secrets/kubernetes.io/serviceaccount &&
    host=$1 port=$2 && shift 2 &&
    exec env KUBERNETES_SERVICE_HOST="$host" KUBERNETES_SERVICE_PORT="$port" "$@"' "$1" "$api_host" "$api_port" "${@:2}"
}

control=$(free_port)
{
  echo "control_port: $control"
  echo "panels:"
  for i in $(seq 0 30); do echo "- {name: p$i, port: $(free_port), base_path: /, username: admin, password: rbac-panel-secret, flavor: \"2.8\"}"; done
} > "$work/sim.yaml"
start_sim "$sim"
panel_port() { python3 -c "import sys,re; t=open('$work/sim.yaml').read(); print(re.search(r'name: p$1, port: (\d+)', t).group(1))"; }

# Runs the operator in cluster mode, as the service account, watching namespace $1 (fresh, with
# a panel, a node, a user and a dry-run migration), until `$2` (a command) succeeds or 45 s pass.
run=0
run_operator() {
  local ns=$1 until=$2 port
  run=$((run + 1)); port=$(panel_port "$run")
  k get namespace "$ns" >/dev/null 2>&1 || k create namespace "$ns" >/dev/null
  cat <<YAML | k apply -n "$ns" -f - >/dev/null
apiVersion: v1
kind: Secret
metadata: {name: panel, labels: {x3ui.io/panel-credentials: "true"}}
stringData: {username: admin, password: rbac-panel-secret}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: n1}
spec: {panel: {url: "http://127.0.0.1:$port/", credentialsSecretRef: {name: panel}}, publicHost: n1.example.com, inbounds: [{name: reality, id: 1, protocol: vless}], capacity: {maxUsers: 10}}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnAssignment
metadata: {name: alice}
spec: {user: {id: "1", email: alice@example.com}}
---
apiVersion: x3ui.io/v1alpha1
kind: VpnMigration
metadata: {name: preview}
spec: {fromNode: n1, dryRun: true}
YAML
  k -n x3ui-system delete lease x3ui-operator-leader --ignore-not-found >/dev/null
  : > "$work/operator.log"
  in_cluster "$sa" "$op" --namespace "$ns" --dashboard-bind-address 0 --leader-elect --leader-election-namespace x3ui-system \
    --metrics-bind-address 0 --health-probe-bind-address 0 --probe-interval 1s --failure-threshold 1 \
    --success-threshold 1 >>"$work/operator.log" 2>&1 &
  op_pid=$!
  within 45 "$until"; local rc=$?
  kill -TERM "$op_pid" 2>/dev/null; wait "$op_pid" 2>/dev/null; op_pid=
  [ $rc = 0 ] || { echo "--- the operator's last lines:"; tail -n 20 "$work/operator.log"; }
  return $rc
}
# A user's Secret is written once when it is placed; the operator updates it when a key it
# keeps is missing. To exercise that update, once the user is Ready its subId is removed by hand
# and the assignment labelled (a label change wakes its reconcile; an annotation does not), which
# must write a new one. (Not before Ready: while its first clients wait for the batched add, the
# pass after the add works from the copy of the Secret it saved, and the tampering would go
# unseen until the resync.)
tampered=""
tamper_once() {
  [ -z "$tampered" ] || return 0
  [ "$(k -n "$ns" get va alice -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready ] || return 0
  [ -n "$(k -n "$ns" get secret alice-vpn -o jsonpath='{.data.subId}' 2>/dev/null)" ] || return 0
  k -n "$ns" patch secret alice-vpn --type json -p '[{"op":"remove","path":"/data/subId"}]' >/dev/null &&
    k -n "$ns" label va alice example.com/touched=yes --overwrite >/dev/null && tampered=yes
}
converged() {
  tamper_once
  [ -n "$tampered" ] &&
  [ "$(k -n "$ns" get vn n1 -o jsonpath='{.status.phase}')" = Ready ] &&
  [ "$(k -n "$ns" get va alice -o jsonpath='{.status.phase}')" = Ready ] &&
  [ -n "$(k -n "$ns" get secret alice-vpn -o jsonpath='{.data.subId}')" ] &&
  [ "$(k -n "$ns" get vmig preview -o jsonpath='{.status.phase}')" = Planned ] &&
  k -n "$ns" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason}{"\n"}{end}' | grep -x Placed >/dev/null &&
  [ "$(k -n x3ui-system get lease x3ui-operator-leader -o jsonpath='{.spec.leaseTransitions}')" != "" ] &&
  grep -q "leading: starting controllers" "$work/operator.log" && [ "$(k -n x3ui-system get lease x3ui-operator-leader -o jsonpath='{.spec.renewTime}')" != "$(k -n x3ui-system get lease x3ui-operator-leader -o jsonpath='{.spec.acquireTime}')" ]
}
ns=rbac-baseline
check "with only the chart's permissions, in cluster mode, everything converges" run_operator "$ns" converged
grep -q "in-cluster\|KUBERNETES_SERVICE_HOST" "$work/operator.log" || true

# The account reaches Secrets only where it serves: not in its own namespace, not in kube-system.
sa_user=system:serviceaccount:x3ui-system:x3ui-operator
can() { k auth can-i "$1" secrets -n "$2" --as "$sa_user" | tail -n 1; }
check "the service account may create Secrets in the namespace served" test "$(can create rbac-baseline)" = yes
for other in x3ui-system kube-system default; do
  for verb in get create update; do
    check "the service account may not $verb Secrets in $other" test "$(can $verb $other)" = no
  done
done

k -n rbac-baseline get role x3ui-operator -o json > "$work/served-role.json"
k -n rbac-baseline get rolebinding x3ui-operator -o json > "$work/served-binding.json"
k -n x3ui-system get role x3ui-operator-leader-election -o json > "$work/role.json"
# Every (role, apiGroup, resource, verb) the roles in the files named grant, one per line, each
# tagged with its file's name.
grants_of() {
  python3 - "$@" <<'PY'
import json, os, sys
for path in sys.argv[1:]:
    tag = os.path.basename(path)[:-len(".json")]
    for rule in json.load(open(path))["rules"]:
        for g in rule.get("apiGroups", [""]):
            for r in rule["resources"]:
                for v in rule["verbs"]:
                    print(tag, g or "core", r, v)
PY
}
grants_of "$work/served-role.json" "$work/role.json" > "$work/grants"
echo "granted: $(wc -l < "$work/grants") (group, resource, verb) triples"
# Prints the object in $work/$1.json with the grant ($2 $3 $4) removed, or none when $2 is "-",
# moved to namespace $5 when given, without the server's fields.
without() {
  python3 - "$work/$1.json" "$2" "$3" "$4" "${5:-}" <<'PY'
import json, sys
obj = json.load(open(sys.argv[1])); group, resource, verb, ns = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
group = "" if group == "core" else group
if "rules" in obj:
    rules = []
    for rule in obj["rules"]:
        for g in rule.get("apiGroups", [""]):
            for r in rule["resources"]:
                verbs = [v for v in rule["verbs"] if not (g == group and r == resource and v == verb)]
                if verbs: rules.append({"apiGroups": [g], "resources": [r], "verbs": verbs})
    obj["rules"] = rules
for k in ("resourceVersion", "uid", "creationTimestamp", "managedFields"): obj["metadata"].pop(k, None)
if ns: obj["metadata"]["namespace"] = ns
print(json.dumps(obj))
PY
}
restore() { without role - - - | k replace -f - >/dev/null; }
while read -r tag group resource verb; do
  ns=rbac-$run-$(tr '/.' '--' <<<"$resource")-$verb
  k create namespace "$ns" >/dev/null
  if [ "$tag" = served-role ]; then
    without served-role "$group" "$resource" "$verb" "$ns" | k create -f - >/dev/null
  else
    without served-role - - - "$ns" | k create -f - >/dev/null
    without role "$group" "$resource" "$verb" | k replace -f - >/dev/null
  fi
  without served-binding - - - "$ns" | k create -f - >/dev/null
  tampered=""
  denied() { tamper_once; grep -q "cannot $verb resource \\\\\?\"$resource\\\\\?\"" "$work/operator.log" ||
             k -n "$ns" get vn,va,vmig -o json 2>/dev/null | grep "cannot $verb resource \\\\\?\"$resource\\\\\?\"" >/dev/null; }
  check "without $verb on $resource ($group) the operator says it cannot $verb $resource" run_operator "$ns" denied
  restore
done < "$work/grants"

# 3b. The subscription server, in cluster mode with its own account's token only: it serves the
# user the operator placed above, and each grant it has is needed.
sub_sa="$work/subscriptions-sa"
service_account_dir x3ui-operator-subscriptions "$sub_sa"
check "a TokenRequest gives the subscription server's account a token" test -s "$sub_sa/token"
sub_port=$(free_port)
# Runs the server for namespace rbac-baseline until `$1` (a command) succeeds or 45 s pass.
run_subscriptions() {
  : > "$work/subscriptions.log"
  in_cluster "$sub_sa" "$op" subscriptions --namespaces=rbac-baseline --listen-address=127.0.0.1:$sub_port \
    --metrics-bind-address=0 >>"$work/subscriptions.log" 2>&1 &
  sub_pid=$!
  within 45 "$1"; local rc=$?
  kill -TERM "$sub_pid" 2>/dev/null; wait "$sub_pid" 2>/dev/null; sub_pid=
  [ $rc = 0 ] || { echo "--- the subscription server's last lines:"; tail -n 10 "$work/subscriptions.log"; }
  return $rc
}
alice_token=$(k -n rbac-baseline get secret alice-vpn -o jsonpath='{.data.subscriptionToken}' | base64 -d)
alice_uuid=$(k -n rbac-baseline get secret alice-vpn -o jsonpath='{.data.uuid}' | base64 -d)
check "the operator gave alice a subscription token" test -n "$alice_token"
# Her link, built from n1's published endpoint and her UUID.
serves_alice() { curl -fsS "http://127.0.0.1:$sub_port/sub/$alice_token" 2>/dev/null | base64 -d 2>/dev/null | grep "^vless://$alice_uuid@n1.example.com:" >/dev/null; }
check "with only its own account, in cluster mode, the subscription server serves alice's links" run_subscriptions serves_alice
sub_user=system:serviceaccount:x3ui-system:x3ui-operator-subscriptions
for verb in get create update delete; do
  check "the subscription server's account may not $verb a Secret" test "$(k auth can-i "$verb" secrets -n rbac-baseline --as "$sub_user" | tail -n 1)" = no
done
check "nor list Secrets where the operator does not serve" test "$(k auth can-i list secrets -n x3ui-system --as "$sub_user" | tail -n 1)" = no
check "nor write an assignment or its status" bash -c "[ \"\$(kubectl --kubeconfig '$KUBECONFIG' auth can-i update vpnassignments.x3ui.io -n rbac-baseline --as '$sub_user' | tail -n 1)\" = no ] &&
  [ \"\$(kubectl --kubeconfig '$KUBECONFIG' auth can-i update vpnassignments.x3ui.io/status -n rbac-baseline --as '$sub_user' | tail -n 1)\" = no ]"
k -n rbac-baseline get role x3ui-operator-subscriptions -o json > "$work/sub-role.json"
grants_of "$work/sub-role.json" > "$work/sub-grants"
check "the subscription server is granted list and watch on three resources, nothing more" test "$(wc -l < "$work/sub-grants")" = 6
while read -r tag group resource verb; do
  without sub-role "$group" "$resource" "$verb" | k replace -f - >/dev/null
  sub_denied() { grep -q "cannot $verb resource \\\\\?\"$resource\\\\\?\"" "$work/subscriptions.log"; }
  check "without $verb on $resource the subscription server says it cannot $verb $resource" run_subscriptions sub_denied
  without sub-role - - - | k replace -f - >/dev/null
done < "$work/sub-grants"

# 4. Cluster-wide mode, only when asked: the same rules in a ClusterRole bound cluster-wide.
check "helm upgrade to rbac.clusterWide" bash -c "'$helm' upgrade x3ui-operator '$chart' -n x3ui-system --kubeconfig '$KUBECONFIG' --reuse-values --set rbac.clusterWide=true >/dev/null 2>&1"
check "the served namespace's Role is gone" bash -c "! kubectl --kubeconfig '$KUBECONFIG' -n rbac-baseline get role x3ui-operator >/dev/null 2>&1"
k get clusterrole x3ui-operator -o json > "$work/clusterrole.json"
check "the ClusterRole grants what the Role did" python3 -c "
import json
rules = lambda p: sorted(json.dumps(r, sort_keys=True) for r in json.load(open(p))['rules'])
assert rules('$work/clusterrole.json') == rules('$work/served-role.json')"
check "the service account may now read Secrets in any namespace" test "$(can get kube-system)" = yes
check "the subscription server's grants are a ClusterRole too, still list and watch only" python3 -c "
import json, subprocess
r = json.loads(subprocess.check_output(['kubectl', '--kubeconfig', '$KUBECONFIG', 'get', 'clusterrole', 'x3ui-operator-subscriptions', '-o', 'json']))
assert {v for rule in r['rules'] for v in rule['verbs']} == {'list', 'watch'}, r['rules']"
ns=rbac-cluster-wide tampered=""
check "in cluster-wide mode everything converges" run_operator "$ns" converged
check "the Deployment watches every namespace" bash -c "! kubectl --kubeconfig '$KUBECONFIG' -n x3ui-system get deploy x3ui-operator -o yaml | grep -q -- --namespace="

# 5. Uninstall keeps the CRDs and the custom resources.
check "helm uninstall" bash -c "'$helm' uninstall x3ui-operator -n x3ui-system --kubeconfig '$KUBECONFIG' >/dev/null 2>&1"
check "the CRDs stay" bash -c "kubectl --kubeconfig '$KUBECONFIG' get crd vpnnodes.x3ui.io vpnassignments.x3ui.io vpnmigrations.x3ui.io -o name >/dev/null 2>&1"
check "the custom resources stay" test "$(k -n rbac-baseline get va alice -o jsonpath='{.metadata.name}')" = alice
check "the Deployment is gone" bash -c "! kubectl --kubeconfig '$KUBECONFIG' -n x3ui-system get deploy x3ui-operator >/dev/null 2>&1"
summary
