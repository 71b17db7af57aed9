#!/usr/bin/env bash
# Copies the canonical CRDs (crds/) into the Helm chart and the kustomize base, which must hold
# them verbatim (tests/e2e/helm_rbac_test.sh and packaging_test.sh compare the copies).
set -euo pipefail
cd "$(dirname "$0")/.."
for dest in charts/x3ui-operator/crds manifests/crd/bases; do
  rm -f "$dest"/*.yaml
  cp crds/*.yaml "$dest"/
done
echo "copied $(ls crds/*.yaml | wc -l) CRDs into charts/x3ui-operator/crds and manifests/crd/bases"
