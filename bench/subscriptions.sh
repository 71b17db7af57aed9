#!/usr/bin/env bash
# The subscription server at fleet scale (SPEC.md §8): USERS users (default 100,000) as the
# operator leaves them, in a real kube-apiserver (a Ready VpnNode publishing two inbound
# endpoints; per user a Ready VpnAssignment and its credentials Secret with its keys and token, so
# each reply builds two links). `x3ui-operator subscriptions` runs on
# one core (taskset -c 1) and wrk on the other, asking for random users' subscriptions (base64,
# the v2rayN default) for DURATION seconds over CONNECTIONS connections; then the baseline the
# same way: bench/subscription_naive.cc, the same handler with three API reads per request and no
# cache. Prints one JSON line per server: requests/s, p50/p99 latency, non-2xx replies, RSS, and
# for the cached server the seconds from start to ready (its caches synced).
#
# Usage: bench/subscriptions.sh [USERS] [DURATION] [CONNECTIONS]   (BUILD_DIR=build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
users=${1:-100000} duration=${2:-20} conns=${3:-32}
command -v wrk >/dev/null || { echo "wrk is missing (bash hack/install-deps.sh installs it)"; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash "$root/hack/control-plane.sh" destroy "$work/kube" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
ready_within() {  # URL SECONDS
  local end=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}
# Runs wrk against $1 with the paths in $2; prints "req_per_s p50_ms p99_ms non_2xx".
load() {
  PATHS=$2 taskset -c 0 wrk -t1 -c"$conns" -d"${duration}s" --latency -s "$root/bench/subscriptions.lua" "$1" > "$work/wrk.out"
  python3 - "$work/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s+" + label + r"\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    v = float(m.group(1)); return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"{rps:.0f} {ms('50%'):.2f} {ms('99%'):.2f} {bad.group(1) if bad else 0}")
PY
}

bash "$root/hack/control-plane.sh" start "$work/kube" --crds="$root/crds" >"$work/cp.log" 2>&1 || { cat "$work/cp.log"; exit 1; }
. "$work/kube/env"
kubectl --kubeconfig "$KUBECONFIG" create namespace bench >/dev/null
start=$SECONDS
python3 "$root/bench/fleet_kube.py" "$KUBE_API" "$KUBE_TOKEN" "$KUBE_CA" subscribers bench "$users" "$work/users.txt" 16 >&2
echo "created $users users in $((SECONDS - start)) s" >&2

# The cached server (the rate limit lifted: every request comes from one address).
port=$(free_port)
t0=$(date +%s.%N)
taskset -c 1 "$build/controller/x3ui-operator" subscriptions --kubeconfig="$KUBECONFIG" --namespaces=bench \
  --listen-address="127.0.0.1:$port" --metrics-bind-address=0 --rate-per-second=1e9 --rate-burst=1e9 \
  --log-level=warn >"$work/server.log" 2>&1 &
pids+=($!)
server=$!
ready_within "http://127.0.0.1:$port/readyz" 900 || { tail "$work/server.log"; exit 1; }
ready_s=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
awk '{print "/sub/" $2}' "$work/users.txt" > "$work/paths"
first=$(head -n1 "$work/paths")
curl -fsS -o /dev/null "http://127.0.0.1:$port$first" || { echo "the cached server does not serve $first"; exit 1; }
rss_ready=$(rss_mb "$server")
read -r rps p50 p99 bad < <(load "http://127.0.0.1:$port" "$work/paths")
echo "{\"server\": \"cached\", \"users\": $users, \"connections\": $conns, \"requests_per_s\": $rps, \"p50_ms\": $p50, \"p99_ms\": $p99, \"non_2xx\": $bad, \"rss_mb_ready\": $rss_ready, \"rss_mb_after\": $(rss_mb "$server"), \"seconds_to_ready\": $ready_s}"
kill "$server"

# The baseline.
port=$(free_port)
taskset -c 1 "$build/bench/subscription_naive" "$KUBECONFIG" bench "$port" >"$work/naive.log" 2>&1 &
pids+=($!)
naive=$!
awk '{print "/sub/" $1 "~" $2}' "$work/users.txt" > "$work/naive-paths"
first=$(head -n1 "$work/naive-paths")
ready_within "http://127.0.0.1:$port$first" 30 || { echo "the baseline does not serve $first"; tail "$work/naive.log"; exit 1; }
read -r rps p50 p99 bad < <(load "http://127.0.0.1:$port" "$work/naive-paths")
echo "{\"server\": \"naive\", \"users\": $users, \"connections\": $conns, \"requests_per_s\": $rps, \"p50_ms\": $p50, \"p99_ms\": $p99, \"non_2xx\": $bad, \"rss_mb_after\": $(rss_mb "$naive")}"
