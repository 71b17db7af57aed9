#!/usr/bin/env bash
# The CRDs install into a real kube-apiserver; every good sample is accepted; every bad sample
# the schema can catch is refused with the message its header names (# schema-message:), and
# the ones it cannot catch are accepted (the operator's own validation refuses those); kubectl
# shows the printer columns, short names and the `vpn` category.
# Usage: crds_test.sh CONTROL_PLANE_DIR
set -uo pipefail
cd "$(dirname "$0")/../../.."
. "$1/env"
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
k() { kubectl --kubeconfig "$KUBECONFIG" --cache-dir "$cache" "$@" 2>&1 | grep -v '^Warning: version difference'; }
passed=0 failed=0
check() {  # description, command...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

k apply -f crds/ >/dev/null
k wait --for condition=established --timeout=60s crd/vpnnodes.x3ui.io crd/vpnassignments.x3ui.io \
  crd/vpnmigrations.x3ui.io >/dev/null
ns=crds-test-$$
k create namespace "$ns" >/dev/null

out=$(k apply -n "$ns" -k manifests/samples)
check "samples apply" grep -q 'vpnnode.x3ui.io/fra-1 created' <<<"$out"
check "3 nodes" test "$(k get vn -n "$ns" -o name | wc -l)" -eq 3
check "6 assignments" test "$(k get va -n "$ns" -o name | wc -l)" -eq 6
check "1 migration" test "$(k get vmig -n "$ns" -o name | wc -l)" -eq 1
check "category vpn lists all" test "$(k get vpn -n "$ns" -o name | wc -l)" -eq 10
header=$(k get vn -n "$ns" | head -n 1)
check "node printer columns: $header" grep -qE '^NAME +PHASE +USERS +CAPACITY +PRIORITY +WEIGHT +REGION +AGE$' <<<"$header"
row=$(k get vn fra-1 -n "$ns" --no-headers)
check "node row: $row" grep -qE '^fra-1 +500 +10 +2 +eu ' <<<"$row"
check "defaults applied (weight 1 when unset is not the case here; drain false)" \
  test "$(k get vn fra-2 -n "$ns" -o jsonpath='{.spec.drain}')" = "false"
check "assignment wide columns" grep -qE 'NODE +PHASE +USER +EMAIL +MIGRATIONS +SECRET +AGE' <<<"$(k get va -n "$ns" -o wide | head -n 1)"

for f in tests/testdata/bad/*.yaml; do
  verdict=$(sed -n 's/^# schema: //p' "$f")
  msg=$(sed -n 's/^# schema-message: //p' "$f")
  out=$(k apply --dry-run=server --validate=false -n "$ns" -f "$f")
  if [ "$verdict" = rejects ]; then
    check "$f refused with '$msg': $out" grep -qF -- "$msg" <<<"$out"
  else
    check "$f accepted by the schema: $out" grep -q 'created (server dry run)' <<<"$out"
  fi
done

k delete namespace "$ns" --wait=false >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
