#!/usr/bin/env bash
# Packaging without a container engine: the kustomize manifests render offline and apply to the
# real kube-apiserver; their CRDs are the canonical ones and their Role grants exactly what
# the chart's does; the Dockerfile's runtime packages are exactly those of the libraries the binary
# links (ELF NEEDED), and everything ldd resolves is installed by them or their dependencies.
# Usage: packaging_test.sh CONTROL_PLANE_DIR OPERATOR_BINARY
set -uo pipefail
. "$1/env"
op=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
. "$root/tests/e2e/lib.sh"
cleanup() { k delete namespace x3ui-system --wait=false >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT

# kustomize
check "kubectl kustomize manifests/default renders offline" bash -c "kubectl kustomize '$root/manifests/default' > '$work/default.yaml'"
for f in "$root"/crds/*.yaml; do
  check "manifests/crd/bases/$(basename "$f") equals crds/" cmp -s "$f" "$root/manifests/crd/bases/$(basename "$f")"
done
check "the rendered manifests apply to the kube-apiserver" bash -c "kubectl --kubeconfig '$KUBECONFIG' apply -f '$work/default.yaml' > '$work/apply.log' 2>&1"
for obj in namespace/x3ui-system deployment/x3ui-operator serviceaccount/x3ui-operator \
           role/x3ui-leader-election rolebinding/x3ui-leader-election role/x3ui-operator rolebinding/x3ui-operator \
           clusterrole/x3ui-vpn-admin clusterrole/x3ui-vpn-editor clusterrole/x3ui-vpn-viewer; do
  check "kustomize created $obj" bash -c "kubectl --kubeconfig '$KUBECONFIG' -n x3ui-system get $obj -o name >/dev/null 2>&1"
done
check "the ServiceMonitor renders too" bash -c "kubectl kustomize '$root/manifests/prometheus' | grep -q 'kind: ServiceMonitor'"
check "no cluster-wide grant for the operator" bash -c "! kubectl --kubeconfig '$KUBECONFIG' get clusterrole/x3ui-operator clusterrolebinding/x3ui-operator >/dev/null 2>&1"
check "the operator watches its own namespace" grep -q -- '- --namespace=$(POD_NAMESPACE)' "$work/default.yaml"
check "/metrics binds loopback" grep -q -- '- --metrics-bind-address=127.0.0.1:8080' "$work/default.yaml"
# The same rules as the chart's Role (which the helm RBAC test proves minimal).
helm=$(bash "$root/hack/helm.sh")
"$helm" template x3ui-operator "$root/charts/x3ui-operator" -n x3ui-system --show-only templates/rbac/role.yaml > "$work/chart-role.yaml"
rules() { awk '/^kind: Role$/ {on=1} on && /^rules:/ {r=1; next} r && (/^---/ || /^[^ -]/) {exit} r' "$1"; }
rules "$work/chart-role.yaml" > "$work/chart.rules"
rules "$root/manifests/rbac/role.yaml" > "$work/kustomize.rules"
check "kustomize's Role rules equal the chart's" cmp -s "$work/chart.rules" "$work/kustomize.rules"
check "the rules are not empty" test -s "$work/chart.rules"

# The image's runtime packages.
pkg_of() {  # a library path -> its Debian package (usrmerge: try /lib and /usr/lib spellings)
  local p=$1 q
  for q in "$p" "$(readlink -f "$p")" "/usr${p}" "${p#/usr}"; do
    dpkg -S "$q" 2>/dev/null | head -n 1 | cut -d: -f1 && return
  done
  echo "unknown:$p"
}
listed=$(sed -n 's/^# runtime-packages: //p' "$root/Dockerfile" | tr ' ' '\n' | sort -u)
installed=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$root/Dockerfile" | tr ' \\' '\n\n' | grep -E '^(lib|ca-)' | sort -u)
check "the runtime stage installs exactly the packages its comment lists" test "$listed" = "$installed"
needed=$(for lib in $(readelf -d "$op" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5}'); do
  pkg_of "$(ldd "$op" | awk -v l="$lib" '$1 == l {print $3}')"
done | sort -u)
echo "NEEDED packages: $(tr '\n' ' ' <<<"$needed")"
check "the runtime packages are those of the libraries the binary links (ca-certificates aside)" \
  test "$(grep -v '^ca-certificates$' <<<"$listed")" = "$needed"
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
  $(tr '\n' ' ' <<<"$listed") 2>/dev/null | grep -v '^ ' | tr -d '<>' | sort -u)
missing=""
for lib in $(ldd "$op" | awk '/=>/ {print $3}'); do
  p=$(pkg_of "$lib")
  grep -qx "$p" <<<"$closure" || missing="$missing $p"
done
check "every library ldd resolves comes with those packages (missing:${missing:- none})" test -z "$missing"
summary
