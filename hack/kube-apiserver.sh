#!/usr/bin/env bash
# Provides a kube-apiserver v1.20.2 binary built from Debian bookworm's `kubernetes` source
# package, and prints its path. The binary is cached outside the build tree
# ($X3UI_CACHE_DIR, default /var/cache/x3ui-operator), so it is built once per machine
# (about 3 minutes on 2 cores); later calls return at once.
#
# Known traps, handled here (SPEC.md §7):
#  1. `go build -mod=vendor` fails ("updates to go.mod needed"): use the source's own
#     `make WHAT=cmd/kube-apiserver` (GOPATH mode, runs the code generators first).
#  2. A plain `go build` without the generators lacks openapi.GetOpenAPIDefinitions: same fix.
#  3. With Go >= 1.18 the vendored modern-go/reflect2 1.0.1 crashes at the first custom-resource
#     create: replace vendor/github.com/modern-go/reflect2 and vendor/github.com/json-iterator/go
#     with Debian's golang-github-modern-go-reflect2-dev (1.0.2) and
#     golang-github-json-iterator-go-dev (1.1.12) sources.
set -euo pipefail

VERSION=1.20.5+really1.20.2-1.1+deb12u1
CACHE_DIR=${X3UI_CACHE_DIR:-/var/cache/x3ui-operator}
BIN="$CACHE_DIR/kube-apiserver-v1.20.2"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

log() { echo "kube-apiserver.sh: $*" >&2; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

log "building kube-apiserver v1.20.2 from Debian's kubernetes source (once per machine)"
need=()
for p in golang-1.19-go golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev dpkg-dev make rsync; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# deb-src entries derived from the machine's own deb822 sources.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types:.*/Types: deb-src/' "$f" | $SUDO tee "/etc/apt/sources.list.d/x3ui-src-$(basename "$f")" >/dev/null
  done
  $SUDO apt-get update -qq
fi

work=$(mktemp -d /tmp/x3ui-kube-build-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -qq --download-only "kubernetes=$VERSION" >/dev/null
dpkg-source -x --no-check kubernetes_*.dsc src >/dev/null
cd src

for pkg in github.com/modern-go/reflect2 github.com/json-iterator/go; do
  rm -rf "vendor/$pkg"
  cp -r "/usr/share/gocode/src/$pkg" "vendor/$pkg"
done

export PATH=/usr/lib/go-1.19/bin:$PATH
export GOFLAGS= GO111MODULE= GOCACHE="$work/gocache" GOPATH="$work/gopath"
make WHAT=cmd/kube-apiserver KUBE_VERBOSE=0 >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
out=$(find _output -type f -name kube-apiserver -perm -u+x | head -n1)
[ -n "$out" ] || { log "build produced no kube-apiserver"; tail -n 40 "$work/build.log" >&2; exit 1; }
$SUDO mkdir -p "$CACHE_DIR"
$SUDO install -m 0755 "$out" "$BIN.tmp"
$SUDO mv "$BIN.tmp" "$BIN"
log "cached $BIN"
echo "$BIN"
