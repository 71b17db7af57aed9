#!/usr/bin/env bash
# The README's first command: builds everything and runs the system locally — a real
# kube-apiserver + etcd, PostgreSQL, three simulated 3x-ui panels, the operator — applies
# manifests/samples/, waits until the nodes are Ready and the users placed (each with a client on
# its panel and a credentials Secret), shows a user's subscription as the subscription server
# serves it, then takes panel fra-1 down and shows the operator noticing and, after the failover
# grace, moving its users with the same credentials: the same subscription URL now lists the new
# node.
# Everything keeps running; `bash hack/demo.sh stop` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
state=${X3UI_DEMO_DIR:-$PWD/.demo}
BUILD_DIR=${BUILD_DIR:-build}

stop() {
  for p in subscriptions operator sim; do
    if [ -f "$state/$p.pid" ]; then kill -TERM "$(cat "$state/$p.pid")" 2>/dev/null || true; rm -f "$state/$p.pid"; fi
  done
  [ -d "$state/kube" ] && bash hack/control-plane.sh destroy "$state/kube" >/dev/null 2>&1 || true
  [ -d "$state/postgres" ] && bash hack/postgres.sh destroy "$state/postgres" >/dev/null 2>&1 || true
  rm -rf "$state"
}
if [ "${1:-}" = stop ]; then stop; echo "demo stopped"; exit 0; fi
stop  # a previous demo, if any

bash hack/install-deps.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target x3ui-operator x3ui-sim
op="$BUILD_DIR/controller/x3ui-operator"

echo
echo "== 1. the sample fleet in manifests/samples, checked and placed offline =="
"$op" --validate manifests/samples

echo
echo "== 2. a local control plane, PostgreSQL, three simulated panels, the operator, the subscription server =="
mkdir -p "$state"
bash hack/control-plane.sh start "$state/kube" --crds=crds
bash hack/postgres.sh start "$state/postgres"
. "$state/kube/env"
database_url=$(grep '^DATABASE_URL=' "$state/postgres/env" | cut -d= -f2-)
"$BUILD_DIR/tests/sim/x3ui-sim" --config hack/demo-panels.yaml --ready-file "$state/sim.ready" \
  >"$state/sim.log" 2>&1 &
echo $! > "$state/sim.pid"
for _ in $(seq 1 50); do [ -f "$state/sim.ready" ] && break; sleep 0.1; done
[ -f "$state/sim.ready" ] || { echo "x3ui-sim did not start:"; cat "$state/sim.log"; exit 1; }
k() { kubectl --kubeconfig "$KUBECONFIG" --cache-dir "$state/kubectl-cache" "$@" 2>&1 | grep -v '^Warning: version difference' || true; }
k create namespace x3ui-demo
k apply -n x3ui-demo -k manifests/samples
DATABASE_URL="$database_url" "$op" --kubeconfig "$KUBECONFIG" --namespace x3ui-demo --probe-interval 2s \
  --failure-threshold 2 --success-threshold 1 --failover-grace 10s --metrics-bind-address 127.0.0.1:20580 \
  --health-probe-bind-address 127.0.0.1:20581 --subscription-base-url http://127.0.0.1:20582/sub/ \
  --dashboard-bind-address 127.0.0.1:20584 >"$state/operator.log" 2>&1 &
echo $! > "$state/operator.pid"
"$op" subscriptions --kubeconfig="$KUBECONFIG" --namespaces=x3ui-demo --listen-address=127.0.0.1:20582 \
  --metrics-bind-address=127.0.0.1:20583 >"$state/subscriptions.log" 2>&1 &
echo $! > "$state/subscriptions.pid"

echo
echo "== 3. waiting for the nodes to be Ready and the users to be placed =="
phases() { k get "$1" -n x3ui-demo -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$' || true; }
for _ in $(seq 1 120); do
  [ "$(phases vn)" -eq 3 ] && [ "$(phases va)" -eq 6 ] && break
  sleep 0.5
done
k get vn,va -n x3ui-demo -o wide
echo "the fleet console (read-only, live; watch fra-1 go down in step 4): http://127.0.0.1:20584/"
echo
# A dry run is planned again every 10 s: wait for the plan that counts the users just placed.
for _ in $(seq 1 60); do [ -n "$(k get vmig plan-move-free-users -n x3ui-demo -o jsonpath='{.status.plan[0].user}')" ] && break; sleep 0.5; done
echo "the sample VpnMigration is a dry run: its plan is in status, nobody moved:"
k get vmig -n x3ui-demo -o wide
k get vmig plan-move-free-users -n x3ui-demo -o jsonpath='{range .status.plan[*]}  {.user}: {.from} -> {.to} ({.reason}){"\n"}{end}'
echo
sub_url=$(k get secret alice-vpn -n x3ui-demo -o jsonpath='{.data.subscriptionUrl}' | base64 -d)
echo "alice's subscription URL, from the Secret the operator owns (alice-vpn): $sub_url"
echo "what her VPN app reads there (the base64 list, decoded):"
links_at() { for _ in $(seq 1 40); do curl -fsS "$1" 2>/dev/null | base64 -d 2>/dev/null | grep . && return; sleep 0.5; done; }
links_at "$sub_url"
echo
psql_demo() {
  PGPASSWORD=$(grep '^PGPASSWORD=' "$state/postgres/env" | cut -d= -f2-) psql -h 127.0.0.1 \
    -p "$(grep '^PGPORT=' "$state/postgres/env" | cut -d= -f2-)" -U x3ui -d postgres -c "$1" || true
}
echo "the ledger (PostgreSQL):"
psql_demo "SELECT namespace, name, status, max_users, priority, weight, region FROM vpn_nodes ORDER BY name"
psql_demo "SELECT assignment, user_email, node, reason, active FROM user_node_assignments ORDER BY assignment"

# A user on fra-1 who can go elsewhere (carol's selector matches only fra-1), to follow through the failover.
mover=$(k get va -n x3ui-demo -o jsonpath='{range .items[*]}{.metadata.name} {.status.nodeName}{"\n"}{end}' |
  awk '$2 == "fra-1" && $1 != "carol" { print $1; exit }')
mover=${mover:-carol}
mover_url=$(k get secret "$mover-vpn" -n x3ui-demo -o jsonpath='{.data.subscriptionUrl}' | base64 -d)
echo "$mover is on fra-1; the first link of $mover's subscription:"
links_at "$mover_url" | head -n 1
echo
echo "== 4. panel fra-1 goes down: Unreachable, then (after the 10 s failover grace) its users move =="
curl -fsS -X PUT -d '{"outage":true}' http://127.0.0.1:20530/panels/fra-1/faults >/dev/null
for _ in $(seq 1 60); do
  [ "$(k get vn fra-1 -n x3ui-demo -o jsonpath='{.status.phase}')" = Unreachable ] && break
  sleep 0.5
done
k get vn -n x3ui-demo -o wide
# Users still on fra-1 that could go elsewhere (one whose selector matches only fra-1 stays: NoTarget).
on_fra1() {
  k get va -n x3ui-demo -o jsonpath='{range .items[*]}{.status.nodeName} {.status.conditions[?(@.type=="Placed")].reason}{"\n"}{end}' |
    grep '^fra-1 ' | grep -vc NoTarget || true
}
for _ in $(seq 1 180); do [ "$(on_fra1)" -eq 0 ] && break; sleep 0.5; done
# The moves commit first (status), then record what they could not remove from fra-1.
pending() { psql_demo "SELECT count(*) FROM pending_removals WHERE node = 'fra-1'" | sed -n 3p | tr -d ' '; }
for _ in $(seq 1 60); do [ "$(pending)" -gt 0 ] 2>/dev/null && break; sleep 0.5; done
echo
k get va -n x3ui-demo -o wide
k get va carol -n x3ui-demo -o jsonpath='carol stays: {range .status.conditions[?(@.type=="Placed")]}Placed={.status} {.reason}: {.message}{end}{"\n"}'
echo
echo "$mover's same subscription URL now lists the new node, with the same UUID:"
links_at "$mover_url" | head -n 1
echo "the ledger: the switch, and the clients waiting to be removed from fra-1 when it answers again:"
psql_demo "SELECT assignment, node, reason, active FROM user_node_assignments ORDER BY assignment, id"
psql_demo "SELECT node, client_email, assignment, reason FROM pending_removals ORDER BY client_email"
echo
echo "== 5. fra-1 answers again: the clients left there are removed, the ledger forgets them =="
curl -fsS -X PUT -d '{"outage":false}' http://127.0.0.1:20530/panels/fra-1/faults >/dev/null
for _ in $(seq 1 120); do
  [ "$(k get vn fra-1 -n x3ui-demo -o jsonpath='{.status.phase}')" = Ready ] && [ "$(pending)" = 0 ] && break
  sleep 0.5
done
psql_demo "SELECT node, client_email FROM pending_removals ORDER BY client_email"
k get vn -n x3ui-demo -o wide
echo
echo "The system keeps running: kubectl --kubeconfig $KUBECONFIG get vn,va -n x3ui-demo -o wide"
echo "metrics: curl http://127.0.0.1:20580/metrics   operator log: $state/operator.log"
echo "fleet console: http://127.0.0.1:20584/ (in a cluster: kubectl port-forward deploy/<name> 8082)"
echo "alice's subscription: curl $sub_url   (in a browser: the page with QR codes)"
echo "Take a panel down: curl -X PUT -d '{\"outage\":true}' http://127.0.0.1:20530/panels/fra-2/faults"
echo "Stop everything:  bash hack/demo.sh stop"
