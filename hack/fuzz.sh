#!/usr/bin/env bash
# Builds the libFuzzer targets (the panel's replies and input, the manifests, the subscription
# server's requests) with clang 14 and runs each for a bounded time, seeded with the
# contract's fixtures, the sample manifests and every input that ever crashed one of them
# (tests/fuzz/regressions/<target>/, kept as regression inputs). Exits non-zero on a crash.
#
# Usage: hack/fuzz.sh [SECONDS_PER_TARGET]   (default 20)
# A crash leaves its input in $OUT/<target>-crash-*; copy it into tests/fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
OUT=${FUZZ_OUT:-build/fuzz}
mkdir -p "$OUT"
CXX=${FUZZ_CXX:-clang++-14}
launcher=""
command -v ccache >/dev/null && launcher=ccache
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -D_TURN_OFF_PLATFORM_STRING -I.)

build() {  # target sources...
  local target=$1; shift
  $launcher "$CXX" "${flags[@]}" "$@" -o "$OUT/$target" -lyaml-cpp
}

# The parsers and everything in pkg/common they may use (but the logger, which needs spdlog).
common=()
for f in pkg/common/*.cc; do [ "$f" = pkg/common/logging.cc ] || common+=("$f"); done
build panel_replies_fuzzer tests/fuzz/panel_replies_fuzzer.cc pkg/x3ui/replies.cc pkg/x3ui/links.cc \
  pkg/x3ui/model.cc "${common[@]}"
build panel_input_fuzzer tests/fuzz/panel_input_fuzzer.cc pkg/x3ui/cookies.cc "${common[@]}"
build manifest_fuzzer tests/fuzz/manifest_fuzzer.cc pkg/api/*.cc "${common[@]}"
# The subscription handler and its renderers; not the server, the catalog and node_links (the
# server library's: kube, spdlog, the panel's links).
subscription=()
for f in pkg/subscription/*.cc; do case $f in */server.cc|*/catalog.cc|*/node_links.cc) ;; *) subscription+=("$f") ;; esac; done
build subscription_request_fuzzer tests/fuzz/subscription_request_fuzzer.cc "${subscription[@]}" "${common[@]}" -lcrypto \
  -lqrencode

run() {  # target seed-dirs...
  local target=$1; shift
  local corpus="$OUT/$target-corpus"
  mkdir -p "$corpus"
  # Every regression input must pass before any new fuzzing.
  local reg="tests/fuzz/regressions/${target%_fuzzer}"
  if compgen -G "$reg/*" >/dev/null; then
    "$OUT/$target" -runs=0 "$reg"/* >"$OUT/$target-regressions.log" 2>&1 || { tail -n 30 "$OUT/$target-regressions.log"; exit 1; }
  fi
  local seeds=()
  for d in "$@"; do [ -d "$d" ] && seeds+=("$d"); done  # git keeps no empty directory
  "$OUT/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$OUT/$target-" "$corpus" "${seeds[@]}" >"$OUT/$target.log" 2>&1 ||
    { tail -n 40 "$OUT/$target.log"; exit 1; }
  grep -E "^#[0-9]+.*(DONE|pulse)" "$OUT/$target.log" | tail -n 1
}

run panel_replies_fuzzer tests/testdata/x3ui tests/fuzz/regressions/panel_replies
run panel_input_fuzzer tests/fuzz/regressions/panel_input
run manifest_fuzzer manifests/samples tests/testdata/bad tests/fuzz/regressions/manifest
run subscription_request_fuzzer tests/fuzz/seeds/subscription_request tests/fuzz/regressions/subscription_request
echo "fuzz: no crash in ${SECONDS_PER_TARGET}s per target"
