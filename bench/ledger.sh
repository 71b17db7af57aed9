#!/usr/bin/env bash
# Runs bench/ledger_bench against a throwaway PostgreSQL 15 (hack/postgres.sh), then stops it.
# Usage: bench/ledger.sh [ROWS]    (build first: cmake --build build-release --target ledger_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-release}
dir=$(mktemp -d /tmp/x3ui-bench-pg-XXXXXX)

trap 'bash hack/postgres.sh destroy "$dir"; rm -rf "$dir"' EXIT
bash hack/postgres.sh start "$dir"
url=$(grep '^DATABASE_URL=' "$dir/env" | cut -d= -f2-)
"$BUILD_DIR/bench/ledger_bench" "$url" "${1:-10000}"
