#!/usr/bin/env bash
# Clang's thread-safety analysis over the code whose locks are annotated (pkg/common/mutex.h):
# every controller source, compiled with clang++ -fsyntax-only -Wthread-safety as errors. Then a
# file that reads a guarded member without its lock must fail, so that a silently disabled
# analysis cannot pass.
#
# Usage: hack/thread-safety.sh BUILD_DIR   (for the generated headers; the default is build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
CXX=${THREAD_SAFETY_CXX:-clang++-14}
flags=(-std=c++20 -fsyntax-only -Wno-everything -Wthread-safety -Werror=thread-safety
       -D_TURN_OFF_PLATFORM_STRING -I. -I"$build" -isystem /usr/include/postgresql)
export CXX FLAGS_LIST="${flags[*]}"
# Two at a time (the suite's JOBS): each file is a full clang front-end run.
if ! ls controller/*.cc controller/*/*.cc |
     xargs -P "${JOBS:-2}" -I{} bash -c 'flags=($FLAGS_LIST); "$CXX" "${flags[@]}" "{}" || { echo "in {}"; exit 255; }'; then
  echo "FAIL: thread-safety analysis"
  exit 1
fi
if "$CXX" "${flags[@]}" tests/thread_safety/unguarded_access.cc 2>/dev/null; then
  echo "FAIL: a read of a guarded member without its lock compiled: the analysis is off"
  exit 1
fi
echo "thread-safety analysis: $(ls controller/*.cc controller/*/*.cc | wc -l) files clean, the unguarded read refused"
