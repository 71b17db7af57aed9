#!/usr/bin/env bash
# The README's first command: builds the operator and shows what it does today.
#
# Today the operator checks a fleet's manifests offline and previews where the balancer places
# each user. The full local system (kube-apiserver, PostgreSQL, simulated panels, the running
# operator and a failover) joins this script as those pieces land.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
bash hack/install-deps.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target x3ui-operator

echo
echo "== the sample fleet in manifests/samples, checked and placed offline =="
"$BUILD_DIR/controller/x3ui-operator" --validate manifests/samples

echo
echo "== a manifest with a mistake is refused with the file, document and field =="
if "$BUILD_DIR/controller/x3ui-operator" --validate tests/testdata/bad/multi-document-second-bad.yaml; then
  echo "expected a validation error" >&2
  exit 1
fi
