#!/usr/bin/env bash
# x3ui-sim's data plane against real clients: one panel with dataplane: true serving a VLESS/TCP,
# a VMess/WS and a Trojan/WS+TLS inbound (the simulator's self-signed certificate), one client
# each (two on VMess), and a REALITY one, which v2ray cannot serve (skipped, with a log line).
# For each client a v2ray CLIENT (a SOCKS inbound, an outbound with the client's credentials)
# carries an HTTP request to a local server; the page must arrive and the panel's own API must
# then report the client's up and down bytes at its first reading. Traffic alone must not
# restart v2ray; disabling one VMess client through the panel API must: that client is then
# refused while the other one, on the same inbound, still passes. A panel restart (control API)
# restarts v2ray too. On SIGTERM, and on SIGKILL, the simulator must leave no v2ray behind.
#
# Usage: dataplane_test.sh X3UI_SIM_BINARY
set -uo pipefail
sim_bin=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../../e2e/lib.sh
. "$here/../../e2e/lib.sh"

work=$(mktemp -d)
client_pids=()
cleanup() {
  for p in "${client_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -n "${http_pid:-}" ] && kill -TERM "$http_pid" 2>/dev/null
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "${KEEP_E2E:-}" ] && { echo "kept $work"; return; }
  rm -rf "$work"
}
trap cleanup EXIT

read -r panel_port control_port http_port vless_port vmess_port trojan_port reality_port \
  vless_socks vmess_socks vmess2_socks trojan_socks <<<"$(distinct_ports 11)"
vless_id=11111111-1111-4111-8111-111111111111 vmess_id=22222222-2222-4222-8222-222222222222
vmess_id2=33333333-3333-4333-8333-333333333333
trojan_password=dp-trojan-secret

# The page the clients fetch: a marker line and enough bytes to count.
mkdir -p "$work/www"
{ echo "x3ui-sim data plane page"; head -c 65536 /dev/zero | tr '\0' 'x'; echo; } >"$work/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$http_port" >"$work/http.log" 2>&1 &
http_pid=$!

cat >"$work/sim.yaml" <<YAML
control_port: $control_port
panels:
- name: dp-1
  port: $panel_port
  username: admin
  password: dp-admin-secret
  flavor: "2.8"
  dataplane: true
  inbounds:
  - {id: 1, port: $vless_port, protocol: vless, tag: in-vless, stream: tcp,
     clients: [{id: $vless_id, email: alice-vless, enable: true}]}
  - {id: 2, port: $vmess_port, protocol: vmess, tag: in-vmess, stream: ws, path: /vm,
     clients: [{id: $vmess_id, email: bob-vmess, enable: true}, {id: $vmess_id2, email: dave-vmess, enable: true}]}
  - {id: 3, port: $trojan_port, protocol: trojan, tag: in-trojan, stream: ws-tls, path: /tj,
     clients: [{password: $trojan_password, email: carol-trojan, enable: true}]}
  - {id: 4, port: $reality_port, protocol: vless, tag: in-reality, stream: reality,
     clients: [{id: 44444444-4444-4444-8444-444444444444, email: erin-reality, enable: true}]}
YAML
start_sim "$sim_bin"

control() { curl -sf "http://127.0.0.1:$control_port/panels/dp-1"; }
dataplane() { control | jq -r ".dataplane.$1"; }
dataplane_ready() { [ "$(control | jq -r '.dataplane | "\(.ready) \(.starts)"')" = "true $1" ]; }
if ! within 20 dataplane_ready 1; then
  echo "the data plane did not become ready"; control | jq .dataplane; cat "$work/sim.log"; exit 1
fi
check "the three v2ray-capable inbounds served" test "$(dataplane served | jq -c .)" = '["in-vless","in-vmess","in-trojan"]'
check "REALITY skipped, with a log line" grep -q "skips inbound in-reality: REALITY cannot be served" "$work/sim.log"
server_pid=$(dataplane pid)

# A v2ray client named $1: SOCKS on port $2, the outbound ($3: JSON) to the sim's inbound; its
# log is $work/client-$1.log.
start_client() {
  local socks_port=$2
  jq -n --argjson port "$socks_port" --argjson out "$3" '{
      log: {loglevel: "warning"},
      inbounds: [{listen: "127.0.0.1", port: $port, protocol: "socks", settings: {auth: "noauth", udp: false}}],
      outbounds: [$out]}' >"$work/client-$1.json"
  v2ray -config "$work/client-$1.json" >"$work/client-$1.log" 2>&1 &
  client_pids+=($!)
  within 10 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$socks_port) 2>/dev/null" || echo "client $1 does not listen"
}
ws() { jq -n --arg path "$1" --arg security "$2" \
  '{network: "ws", security: $security, wsSettings: {path: $path}, tlsSettings: {allowInsecure: true, serverName: "localhost"}}'; }

start_client vless "$vless_socks" "$(jq -n --argjson port "$vless_port" --arg id "$vless_id" '{protocol: "vless",
  settings: {vnext: [{address: "127.0.0.1", port: $port, users: [{id: $id, encryption: "none"}]}]},
  streamSettings: {network: "tcp", security: "none"}}')"
vmess_outbound() { jq -n --argjson port "$vmess_port" --arg id "$1" --argjson stream "$(ws /vm none)" '{protocol: "vmess",
  settings: {vnext: [{address: "127.0.0.1", port: $port, users: [{id: $id, alterId: 0, security: "auto"}]}]},
  streamSettings: $stream}'; }
start_client vmess "$vmess_socks" "$(vmess_outbound "$vmess_id")"
start_client vmess2 "$vmess2_socks" "$(vmess_outbound "$vmess_id2")"
start_client trojan "$trojan_socks" "$(jq -n --argjson port "$trojan_port" --arg pw "$trojan_password" --argjson stream "$(ws /tj tls)" '{protocol: "trojan",
  settings: {servers: [{address: "127.0.0.1", port: $port, password: $pw}]},
  streamSettings: $stream}')"

within 10 bash -c "curl -sf -o /dev/null http://127.0.0.1:$http_port/index.html" || echo "the HTTP server does not answer"

# Fetches the page through the SOCKS port $1 within $2 seconds (10); succeeds when the marker
# arrives. A refused VMess client waits for the whole time: the server drains what it sends.
fetch_through() {
  local page
  page=$(curl -s --max-time "${2:-10}" --socks5-hostname "127.0.0.1:$1" "http://127.0.0.1:$http_port/index.html" 2>/dev/null)
  grep -q "x3ui-sim data plane page" <<<"$page"
}
refused_through() { ! fetch_through "$1" 3; }
check "the page arrives through VLESS/TCP" fetch_through "$vless_socks"
check "the page arrives through VMess/WS" fetch_through "$vmess_socks"
check "the page arrives through VMess/WS for the second client" fetch_through "$vmess2_socks"
check "the page arrives through Trojan/WS+TLS" fetch_through "$trojan_socks"

# The panel's own API, as the operator reads it.
jar=$work/cookies
curl -sf -c "$jar" -d "username=admin&password=dp-admin-secret" "http://127.0.0.1:$panel_port/login" >/dev/null ||
  echo "login to the panel failed"
client_stat() { # email field -> the number the inbound list's clientStats say
  curl -sf -b "$jar" "http://127.0.0.1:$panel_port/panel/api/inbounds/list" |
    jq -r --arg e "$1" --arg f "$2" '[.obj[].clientStats[] | select(.email == $e) | .[$f]][0] // 0'
}
counted() { [ "$(client_stat "$1" up)" -gt 0 ] && [ "$(client_stat "$1" down)" -gt 65536 ]; }
# At the first reading: a traffic reading of the panel API has the stats read first.
for email in alice-vless bob-vmess dave-vmess carol-trojan; do
  check "the panel API reports $email's up and down bytes" counted "$email"
done
# The two readings may straddle a stats poll that adds a connection's last bytes: within a deadline.
traffics_agree() {
  [ "$(curl -sf -b "$jar" "http://127.0.0.1:$panel_port/panel/api/inbounds/getClientTraffics/bob-vmess" |
    jq -r '.obj.down')" = "$(client_stat bob-vmess down)" ]
}
check "getClientTraffics agrees with the inbound list" within 5 traffics_agree
check "traffic alone restarts nothing" test "$(dataplane starts)" = 1

# Disable one VMess client through the panel API: the data plane restarts without it.
settings=$(jq -nc --arg id "$vmess_id" '{clients: [{id: $id, alterId: 0, email: "bob-vmess", enable: false}]}')
curl -sf -b "$jar" --data-urlencode "id=2" --data-urlencode "settings=$settings" \
  "http://127.0.0.1:$panel_port/panel/api/inbounds/updateClient/$vmess_id" | jq -e '.success' >/dev/null ||
  echo "updateClient failed"
check "the change restarts v2ray" within 15 dataplane_ready 2
check "the VMess inbound still served" test "$(dataplane served | jq -c .)" = '["in-vless","in-vmess","in-trojan"]'
check "the disabled client cannot connect" refused_through "$vmess_socks"
check "the other client of its inbound still passes after the restart" fetch_through "$vmess2_socks"
check "the VLESS client still passes after the restart" fetch_through "$vless_socks"

# A panel restart restarts its v2ray, as a real panel restarts Xray.
curl -sf -X POST "http://127.0.0.1:$control_port/panels/dp-1/restart" >/dev/null
check "a panel restart restarts v2ray" within 15 dataplane_ready 3
check "the VLESS client passes after the panel restart" fetch_through "$vless_socks"

# No orphan: SIGTERM stops the simulator and its v2ray.
new_server_pid=$(dataplane pid)
kill -TERM "$sim_pid"
check "the simulator exits on SIGTERM" within 10 bash -c "! kill -0 $sim_pid 2>/dev/null"
wait "$sim_pid" 2>/dev/null
sim_pid=""
check "no v2ray left behind" within 5 bash -c "! kill -0 $new_server_pid 2>/dev/null && ! kill -0 $server_pid 2>/dev/null"

# Nor a SIGKILL: v2ray dies with the simulator's thread that started it.
rm -f "$work/sim.ready"
start_sim "$sim_bin"
if within 20 dataplane_ready 1; then
  killed_server_pid=$(dataplane pid)
  killed_dir=$(dataplane dir)
  kill -KILL "$sim_pid"
  wait "$sim_pid" 2>/dev/null
  sim_pid=""
  check "no v2ray left behind a SIGKILLed simulator" within 5 bash -c "! kill -0 $killed_server_pid 2>/dev/null"
  [[ $killed_dir == */x3ui-sim-dp-1-* ]] && rm -rf "$killed_dir"  # what only a clean exit removes
else
  check "the simulator starts again on the same ports" false
fi

echo "$passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then tail -n 30 "$work/sim.log"; fi
[ "$failed" -eq 0 ]
