#!/usr/bin/env bash
# hack/control-plane.sh works when run twice, after a crash (SIGKILL of both servers), and for
# two control planes at once; stop and destroy end exactly the processes it started.
set -uo pipefail
cd "$(dirname "$0")/../../.."
one=$(mktemp -d) two=$(mktemp -d)
cache=$(mktemp -d)
trap 'bash hack/control-plane.sh destroy "$one" >/dev/null 2>&1; bash hack/control-plane.sh destroy "$two" >/dev/null 2>&1; rm -rf "$one" "$two" "$cache"' EXIT
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
answers() { kubectl --kubeconfig "$1/kubeconfig" --cache-dir "$cache" get namespace default -o name >/dev/null 2>&1; }

bash hack/control-plane.sh start "$one" >/dev/null
check "first start answers" answers "$one"
port=$(cat "$one/apiserver.port"); pid=$(cat "$one/apiserver.pid")
bash hack/control-plane.sh start "$one" >/dev/null
check "a second start reuses the running servers" test "$(cat "$one/apiserver.pid")" = "$pid"
check "same port" test "$(cat "$one/apiserver.port")" = "$port"

bash hack/control-plane.sh start "$two" >/dev/null
check "a second control plane answers" answers "$two"
check "on its own port" test "$(cat "$two/apiserver.port")" != "$port"

kill -KILL "$(cat "$one/apiserver.pid")" "$(cat "$one/etcd.pid")"
check "after the crash it no longer answers" bash -c "! kubectl --kubeconfig $one/kubeconfig --cache-dir $cache --request-timeout=2s get ns default >/dev/null 2>&1"
bash hack/control-plane.sh start "$one" >/dev/null
check "start after a crash answers again" answers "$one"
check "the other control plane was not touched" answers "$two"

pids="$(cat "$one/apiserver.pid") $(cat "$one/etcd.pid")"
bash hack/control-plane.sh stop "$one" >/dev/null
alive=0
for p in $pids; do
  if kill -0 "$p" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != "Z" ]; then alive=1; fi
done
check "stop ends its processes" test "$alive" -eq 0
check "stop leaves the other running" answers "$two"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
