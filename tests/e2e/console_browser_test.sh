#!/usr/bin/env bash
# End to end, in a real browser: x3ui-operator against the real kube-apiserver and three x3ui-sim
# panels, its fleet console opened in Debian's headless Chromium (tests/browser/console_test.mjs,
# through playwright-core). The page lists the nodes Ready; a panel taken down turns Unreachable on
# the page without a reload (server-sent events) and its users show as waiting to move; the user
# lookup finds a user and its node; no page, script, JSON reply or event stream carries the panel
# password, a panel's URL path, or any value of the users' credentials Secrets; the console is
# read-only (405), and a second operator that cannot bind the console's address refuses to start,
# naming the flag. Saves a screenshot of the page.
# Usage: console_browser_test.sh CONTROL_PLANE_DIR OPERATOR_BINARY SIM_BINARY SCREENSHOT_PATH
set -uo pipefail
. "$1/env"
op=$2 sim=$3 screenshot=$4
work=$(mktemp -d)
ns=e2e-console-$$
browser_dir=$(cd "$(dirname "$0")/../browser" && pwd)
. "$(dirname "$0")/lib.sh"
trap run_cleanup EXIT

[ -x /usr/bin/chromium ] || { echo "no /usr/bin/chromium: run hack/install-deps.sh"; exit 1; }
if [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  (cd "$browser_dir" && npm ci --no-audit --no-fund >"$work/npm.log" 2>&1) || { cat "$work/npm.log"; echo "npm ci failed"; exit 1; }
fi

read -r control console probes fra1 fra2 ams1 <<<"$(distinct_ports 6)"
password=e2e-console-panel-secret
cat > "$work/sim.yaml" <<YAML
control_port: $control
panels:
- {name: fra-1, port: $fra1, base_path: /fra1-hidden-path/, username: admin, password: $password, flavor: "2.8"}
- {name: fra-2, port: $fra2, base_path: /fra2-hidden-path/, username: admin, password: $password, flavor: "3.0"}
- {name: ams-1, port: $ams1, base_path: /, username: admin, password: $password, flavor: "3.1"}
YAML
start_sim "$sim"

k create namespace "$ns" >/dev/null
node_yaml() {  # name port base_path priority region
  printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnNode\nmetadata: {name: %s}\nspec:\n  panel: {url: "http://127.0.0.1:%s%s", credentialsSecretRef: {name: panel}}\n  publicHost: %s.example.com\n  inbounds: [{name: reality, id: 1, protocol: vless}]\n  capacity: {maxUsers: 10}\n  priority: %s\n  region: %s\n' "$1" "$2" "$3" "$1" "$4" "$5"
}
{
  panel_secret_yaml "$password"
  # fra-2 is the only node of the top tier, so both users land on it and wait there when it dies.
  node_yaml fra-1 "$fra1" /fra1-hidden-path/ 5 eu
  node_yaml fra-2 "$fra2" /fra2-hidden-path/ 10 eu
  node_yaml ams-1 "$ams1" / 5 nl
} > "$work/nodes.yaml"
k apply -n "$ns" -f "$work/nodes.yaml" >/dev/null

# A long failover grace: the users of the dead node stay, waiting, for the page to show.
"$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 0 --health-probe-bind-address "127.0.0.1:$probes" \
  --dashboard-bind-address "127.0.0.1:$console" --probe-interval 1s --failure-threshold 2 --success-threshold 1 \
  --failover-grace 1h >"$work/operator.log" 2>&1 &
op_pid=$!

ready_nodes() { [ "$(k get vn -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$')" = 3 ]; }
ready_users() { [ "$(k get va -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$')" = 2 ]; }
check "three nodes become Ready" within 60 ready_nodes
# The users after the nodes, so that they land on the top tier and not on the first node Ready.
for u in alice bob; do
  printf -- '---\napiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: %s}\nspec: {user: {id: "%s-id", email: %s@example.com}}\n' "$u" "$u" "$u"
done | k apply -n "$ns" -f - >/dev/null
check "both users become Ready" within 60 ready_users
check "alice is on fra-2 (the top tier)" test "$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName}')" = fra-2

# Another operator on the same console address: refused at start, the flag named.
"$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-bind-address 0 --health-probe-bind-address 0 \
  --dashboard-bind-address "127.0.0.1:$console" >"$work/second.log" 2>&1
code=$?
check "a console address in use stops the start (exit $code)" test "$code" -ne 0
check "and the error names --dashboard-bind-address" grep -q -- "cannot start: --dashboard-bind-address 127.0.0.1:$console: cannot listen" "$work/second.log"

# What must never reach the page: the panel password, the panels' URL paths, every value of the
# users' credentials Secrets (UUIDs, passwords, subscription tokens).
secrets_json() {
  local values=("$password" fra1-hidden-path fra2-hidden-path)
  for u in alice bob; do
    while IFS= read -r v; do [ -n "$v" ] && values+=("$(base64 -d <<<"$v")"); done \
      < <(k get secret "$u-vpn" -n "$ns" -o go-template='{{range .data}}{{.}}{{"\n"}}{{end}}')
  done
  printf '%s\n' "${values[@]}" | python3 -c 'import json,sys; print(json.dumps([l for l in sys.stdin.read().split("\n") if l]))'
}
secrets=$(secrets_json)
check "the users' Secrets were read (two values each at least)" python3 -c "import json,sys; sys.exit(0 if len(json.loads(sys.argv[1])) >= 7 else 1)" "$secrets"

cat > "$work/browser.json" <<JSON
{"base": "http://127.0.0.1:$console", "control": "http://127.0.0.1:$control", "namespace": "$ns",
 "nodes": ["fra-1", "fra-2", "ams-1"], "down": "fra-2",
 "user": {"query": "ALICE@example", "name": "alice", "node": "fra-2"},
 "secrets": $secrets, "screenshot": "$screenshot", "deadlineSeconds": 60}
JSON
t0=$SECONDS
node "$browser_dir/console_test.mjs" "$work/browser.json" 2>&1 | tee "$work/browser.log"
check "every browser check passed" test "${PIPESTATUS[0]}" -eq 0
echo "the browser part took $((SECONDS - t0)) s"
check "the panel password is never logged" bash -c "! grep -q '$password' '$work/operator.log'"
summary
