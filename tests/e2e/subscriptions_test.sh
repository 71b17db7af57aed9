#!/usr/bin/env bash
# End to end, with real processes (kube-apiserver, PostgreSQL, two x3ui-sim panels, the operator
# and `x3ui-operator subscriptions`): a user's Secret carries its subscription URL; the URL serves
# base64 and clash bodies whose link is the Secret's UUID at the node's public host; the ETag gives
# 304, a wrong token 404; a rotation kills the old token and the new one serves; after the user's
# panel goes down and the user fails over, the same URL serves the new node's link and the move
# wrote no Secret; a second server with --tls-cert-file serves the same over verified TLS (and
# nothing over plain HTTP); no log line of either process holds a token.
# Usage: subscriptions_test.sh CONTROL_PLANE_DIR POSTGRES_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
pg_env=$2 op=$3 sim=$4
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
setup_ledger_run "$pg_env" e2e-subs
trap 'kill -TERM "${sub_pid:-}" 2>/dev/null; ledger_run_cleanup' EXIT

control=$(free_port) metrics=$(free_port) probes=$(free_port) subport=$(free_port) submetrics=$(free_port)
declare -A port
for n in a b; do port[$n]=$(free_port); done
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: a, port: ${port[a]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "2.8"}
- {name: b, port: ${port[b]}, base_path: /, username: admin, password: e2e-panel-secret, flavor: "3.1"}
YAML
start_sim "$sim"

k create namespace "$ns" >/dev/null
{
  panel_secret_yaml e2e-panel-secret
  for n in a b; do
    printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: %s}\nspec:\n  panel: {url: "http://127.0.0.1:%s/", credentialsSecretRef: {name: panel}}\n  publicHost: %s.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 100}\n' "$n" "${port[$n]}" "$n"
  done
} > "$work/nodes.yaml"

start_operator_and_subscriptions --metrics-bind-address="127.0.0.1:$submetrics" --rate-per-second=50 --rate-burst=100

k apply -n "$ns" -f "$work/nodes.yaml" >/dev/null
nodes_ready() { [ "$(k get vn -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -cx Ready)" = 2 ]; }
check "nodes a and b become Ready" within 60 nodes_ready
printf 'apiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: alice}\nspec: {user: {id: "1", email: alice@example.com}}\n' |
  k apply -n "$ns" -f - >/dev/null
secret_key() { k get secret alice-vpn -n "$ns" -o jsonpath="{.data.$1}" | base64 -d; }
has_url() { [ -n "$(secret_key subscriptionUrl)" ]; }
check "the Secret gets a subscriptionUrl" within 60 has_url
ready() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.phase}')" = Ready ]; }
check "alice becomes Ready" within 60 ready
url=$(secret_key subscriptionUrl) token=$(secret_key subscriptionToken) uuid=$(secret_key uuid)
check "the URL ends in the token" test "${url##*/}" = "$token"
check "the token is at least 22 characters" test "${#token}" -ge 22
check "the Secret is labelled for the server" test "$(k get secret alice-vpn -n "$ns" -o jsonpath='{.metadata.labels.x3ui\.io/user-credentials}')" = true
node=$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName}')

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
serves() { [ "$(code "$1")" = 200 ]; }
check "the server serves the URL" within 30 serves "$url"
# "uuid host" of the first link of the base64 body.
b64_link() { curl -fsS "$1" | base64 -d | head -n1 | sed -E 's|^vless://([^@]+)@([^:]+):.*|\1 \2|'; }
check "base64: the Secret's UUID at the node's host" test "$(b64_link "$url")" = "$uuid $node.example.com"
clash_link() { curl -fsS "$1/clash" | python3 -c "
import sys, yaml
y = yaml.safe_load(sys.stdin)
p = y['proxies'][0]
assert y['proxy-groups'][0]['type'] == 'fallback'
print(p['uuid'], p['server'])"; }
check "clash: the Secret's UUID at the node's host" test "$(clash_link "$url")" = "$uuid $node.example.com"
check "Clash's User-Agent gets YAML" sh -c "curl -fsS -A 'ClashVerge/1.3' '$url' | grep -q '^proxies:'"
etag=$(curl -fsS -D - -o /dev/null "$url" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "an ETag is sent" test -n "$etag"
check "If-None-Match gives 304" test "$(code -H "If-None-Match: $etag" "$url")" = 304
check "userinfo header with spaces" sh -c "curl -fsS -D - -o /dev/null '$url' | grep -qi '^subscription-userinfo: upload=0; download=0; total=0; expire=0'"
check "a wrong token gets 404" test "$(code "${url%/*}/wrong${token:5}")" = 404

# Rotation: the old token dies, the new one serves.
k annotate va alice -n "$ns" x3ui.io/rotate-subscription-token=r1 --overwrite >/dev/null
rotated() { [ -n "$(secret_key subscriptionToken)" ] && [ "$(secret_key subscriptionToken)" != "$token" ]; }
check "the token is rotated" within 30 rotated
old_url=$url url=$(secret_key subscriptionUrl) old_token=$token token=$(secret_key subscriptionToken)
gone() { [ "$(code "$old_url")" = 404 ]; }
check "the old token gets 404" within 15 gone
check "the new token serves" within 15 serves "$url"

# Failover: the user's panel goes down; the same URL serves the other node's link. The links are
# built from the node's published endpoints, so the move writes the status and no Secret.
secret_version=$(k get secret alice-vpn -n "$ns" -o jsonpath='{.metadata.resourceVersion}')
curl -fsS -X PUT -d '{"outage":true}' "http://127.0.0.1:$control/panels/$node/faults" >/dev/null
other=$([ "$node" = a ] && echo b || echo a)
moved() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName}')" = "$other" ] && ready; }
check "alice fails over to $other" within 90 moved
new_link() { [ "$(b64_link "$url")" = "$uuid $other.example.com" ]; }
check "the same URL serves $other's link with the same UUID" within 15 new_link
check "the move wrote no Secret" test "$(k get secret alice-vpn -n "$ns" -o jsonpath='{.metadata.resourceVersion}')" = "$secret_version"

# TLS in the server itself, from PEM files (as a mounted kubernetes.io/tls Secret gives them).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
tlsport=$(free_port)
"$op" subscriptions --kubeconfig="$KUBECONFIG" --namespaces="$ns" --listen-address="127.0.0.1:$tlsport" \
  --metrics-bind-address=0 --tls-cert-file="$work/tls.crt" --tls-key-file="$work/tls.key" >>"$work/subs-tls.log" 2>&1 &
tls_pid=$!
tls_url="https://localhost:$tlsport/sub/$token"
tls_link() { curl -fsS --cacert "$work/tls.crt" "$tls_url" | base64 -d | grep "^vless://$uuid@$other.example.com:" >/dev/null; }
check "over TLS, verified against its certificate, the server serves the same link" within 30 tls_link
check "a client that does not trust the certificate is refused" sh -c "! curl -fsS '$tls_url' >/dev/null 2>&1"
check "plain HTTP to the TLS port gets no reply" sh -c "! curl -fsS -m 5 'http://127.0.0.1:$tlsport/sub/$token' >/dev/null 2>&1"
kill -TERM "$tls_pid" 2>/dev/null; wait "$tls_pid" 2>/dev/null

# No token in any log line.
for t in "$old_token" "$token"; do
  check "no token in the operator's log" sh -c "! grep -qF '$t' '$work/operator.log'"
  check "no token in the server's log" sh -c "! grep -qF '$t' '$work/subs.log' '$work/subs-tls.log'"
done
check "requests are counted" sh -c "curl -fsS http://127.0.0.1:$submetrics/metrics | grep -q 'x3ui_subscription_requests_total{code=\"404\"'"
[ "$failed" -gt 0 ] && tail -n 20 "$work/subs.log"
summary
