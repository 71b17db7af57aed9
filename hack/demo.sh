#!/usr/bin/env bash
# The README's first command: builds everything and runs the system locally — a real
# kube-apiserver + etcd, PostgreSQL, three simulated 3x-ui panels, the operator — applies
# manifests/samples/, waits until the nodes are Ready and the users placed (each with a client on
# its panel and a credentials Secret), then takes one panel down and shows the operator noticing.
# Everything keeps running; `bash hack/demo.sh stop` ends it.
#
# Not yet: failover and migrations (the pinned user on the downed panel is reported, not moved).
set -euo pipefail
cd "$(dirname "$0")/.."
state=${X3UI_DEMO_DIR:-$PWD/.demo}
BUILD_DIR=${BUILD_DIR:-build}

stop() {
  for p in operator sim; do
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
echo "== 2. a local control plane, PostgreSQL, three simulated panels, the operator =="
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
  --failure-threshold 2 --success-threshold 1 --metrics-bind-address 127.0.0.1:20580 \
  --health-probe-bind-address 127.0.0.1:20581 >"$state/operator.log" 2>&1 &
echo $! > "$state/operator.pid"

echo
echo "== 3. waiting for the nodes to be Ready and the users to be placed =="
phases() { k get "$1" -n x3ui-demo -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Ready$' || true; }
for _ in $(seq 1 120); do
  [ "$(phases vn)" -eq 3 ] && [ "$(phases va)" -eq 6 ] && break
  sleep 0.5
done
k get vn,va -n x3ui-demo -o wide
echo
echo "alice's connection links, from the Secret the operator owns (alice-vpn):"
k get secret alice-vpn -n x3ui-demo -o jsonpath='{.data.links}' | base64 -d
echo
psql_demo() {
  PGPASSWORD=$(grep '^PGPASSWORD=' "$state/postgres/env" | cut -d= -f2-) psql -h 127.0.0.1 \
    -p "$(grep '^PGPORT=' "$state/postgres/env" | cut -d= -f2-)" -U x3ui -d postgres -c "$1" || true
}
echo "the ledger (PostgreSQL):"
psql_demo "SELECT namespace, name, status, max_users, priority, weight, region FROM vpn_nodes ORDER BY name"
psql_demo "SELECT assignment, user_email, node, reason, active FROM user_node_assignments ORDER BY assignment"

echo
echo "== 4. panel fra-2 goes down =="
curl -fsS -X PUT -d '{"outage":true}' http://127.0.0.1:20530/panels/fra-2/faults >/dev/null
for _ in $(seq 1 60); do
  [ "$(k get vn fra-2 -n x3ui-demo -o jsonpath='{.status.phase}')" = Unreachable ] && break
  sleep 0.5
done
k get vn -n x3ui-demo -o wide
k get va erin -n x3ui-demo -o jsonpath='erin (pinned to fra-2): {.status.phase}, {range .status.conditions[?(@.type=="Ready")]}Ready={.status} {.reason}: {.message}{end}{"\n"}'
echo
echo "The system keeps running: kubectl --kubeconfig $KUBECONFIG get vn,va -n x3ui-demo -o wide"
echo "metrics: curl http://127.0.0.1:20580/metrics   operator log: $state/operator.log"
echo "Bring fra-2 back: curl -X PUT -d '{\"outage\":false}' http://127.0.0.1:20530/panels/fra-2/faults"
echo "Stop everything:  bash hack/demo.sh stop"
