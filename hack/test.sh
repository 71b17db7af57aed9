#!/usr/bin/env bash
# The project's test command (README): installs what is missing, configures, builds and runs
# every test through CTest with output on failure.
#
# Usage: hack/test.sh [extra ctest args...]
# Environment: BUILD_DIR (default: build), JOBS (default: 2), BUILD_TYPE (default: RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

bash hack/install-deps.sh
# The integration tests run a real kube-apiserver; build it now (once per machine, ~5 min) so
# that its progress shows here rather than inside a test fixture.
bash hack/kube-apiserver.sh >/dev/null
bash hack/promtool.sh >/dev/null   # the e2e tests lint /metrics with it

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" "$@"
