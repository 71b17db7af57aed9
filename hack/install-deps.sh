#!/usr/bin/env bash
# Installs every Debian package the build and the tests need. Idempotent: when all
# packages are present it only runs dpkg-query and returns in well under a second.
#
# Usage: hack/install-deps.sh            (as root, or with sudo available)
set -euo pipefail

# Keep this list in sync with the dependency table in README.md.
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libssl-dev
  libcpprest-dev          # HTTP client/server: panels, kube-apiserver, /metrics
  libboost-dev            # Beast (pkg/http, x3ui-sim); also in the Dockerfile's build stage
  libyaml-cpp-dev         # YAML manifests
  nlohmann-json3-dev      # typed JSON (de)serialisation of resources and panel replies
  libpqxx-dev             # PostgreSQL ledger
  prometheus-cpp-dev      # metrics registry and text exposition
  libspdlog-dev           # structured logging
  libqrencode-dev         # QR codes (inline SVG) on the subscription page for browsers
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 postgresql-client-15   # a real server for the ledger tests (hack/postgres.sh)
  clang-14 libclang-rt-14-dev          # libFuzzer for the parser fuzz targets (hack/fuzz.sh)
  etcd-server etcd-client openssl curl # the local control plane (hack/control-plane.sh)
  wrk                                  # HTTP load for bench/subscriptions.sh
  v2ray jq                             # x3ui-sim's data plane and the tests' VPN client (tests/integration/sim);
                                       # v2ray -test loads an xray subscription config (unit tests)
  chromium                             # the real headless browser the fleet console's test drives
)
# kubectl for the tests and the demo: Debian's (1.20, the API server's version) unless the machine
# already has one.
if ! command -v kubectl >/dev/null 2>&1; then PACKAGES+=(kubernetes-client); fi
# npm for the browser test's driver, playwright-core (tests/browser: npm ci from package-lock.json):
# Debian's unless the machine already has Node.js and npm (Debian's npm cannot be installed beside
# a Node.js that did not come from Debian).
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
# The tests start their own clusters (hack/postgres.sh); keep Debian from creating and starting
# a default one on port 5432 when the server package is installed.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
  mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
