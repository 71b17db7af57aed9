#!/usr/bin/env bash
# End to end, the user's side of a failover, with a real VPN client: two x3ui-sim panels with the
# v2ray data plane, each serving a VLESS/TCP, a VMess/WS and a Trojan/WS+TLS inbound; the operator
# places alice (a client on each) and writes her subscription URL; `x3ui-operator subscriptions`
# serves it. Debian's v2ray, as the client, loads each element of her `xray` subscription and
# fetches a page from a local HTTP server through it. The test changes two things in each
# element only: its own SOCKS port (the format's fixed 10808 would collide) and allowInsecure (the
# simulator's certificate is self-signed). Then alice's panel goes down, she fails over, and the
# same URL hands out the other node's servers, through which the page arrives again. A wrong
# token gets 404 and no server.
# Usage: subscription_client_test.sh CONTROL_PLANE_DIR POSTGRES_DIR OPERATOR_BINARY SIM_BINARY
set -uo pipefail
. "$1/env"
pg_env=$2 op=$3 sim=$4
work=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
setup_ledger_run "$pg_env" e2e-subclient
client_pids=()
stop_clients() { for p in "${client_pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; client_pids=(); }
trap 'stop_clients; kill -TERM "${sub_pid:-}" "${http_pid:-}" 2>/dev/null; ledger_run_cleanup' EXIT
command -v v2ray >/dev/null || { echo "v2ray is missing (bash hack/install-deps.sh installs it)"; exit 1; }

read -r control metrics probes subport http_port a_vless a_vmess a_trojan b_vless b_vmess b_trojan a_panel b_panel \
  <<<"$(distinct_ports 13)"
declare -A panel=([a]=$a_panel [b]=$b_panel) vless=([a]=$a_vless [b]=$b_vless) vmess=([a]=$a_vmess [b]=$b_vmess)
declare -A trojan=([a]=$a_trojan [b]=$b_trojan)

mkdir -p "$work/www"
{ echo "x3ui subscription client page"; head -c 32768 /dev/zero | tr '\0' 'x'; echo; } > "$work/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$http_port" > "$work/http.log" 2>&1 &
http_pid=$!

{
  echo "control_port: $control"
  echo "panels:"
  for n in a b; do
    cat <<YAML
- name: $n
  port: ${panel[$n]}
  username: admin
  password: e2e-panel-secret
  flavor: "2.8"
  dataplane: true
  inbounds:
  - {id: 1, port: ${vless[$n]}, protocol: vless, tag: $n-vless, stream: tcp, clients: []}
  - {id: 2, port: ${vmess[$n]}, protocol: vmess, tag: $n-vmess, stream: ws, path: /vm, clients: []}
  - {id: 3, port: ${trojan[$n]}, protocol: trojan, tag: $n-trojan, stream: ws-tls, path: /tj, clients: []}
YAML
  done
} > "$work/sim.yaml"
start_sim "$sim"

k create namespace "$ns" >/dev/null
{
  panel_secret_yaml e2e-panel-secret
  for n in a b; do
    cat <<YAML
---
apiVersion: x3ui.io/v1alpha1
kind: VpnNode
metadata: {name: $n}
spec:
  panel: {url: "http://127.0.0.1:${panel[$n]}/", credentialsSecretRef: {name: panel}}
  publicHost: 127.0.0.1
  inbounds: [{name: vless, id: 1, protocol: vless}, {name: vmess, id: 2, protocol: vmess}, {name: trojan, id: 3, protocol: trojan}]
  capacity: {maxUsers: 10}
YAML
  done
} > "$work/nodes.yaml"

start_operator_and_subscriptions --metrics-bind-address=0

k apply -n "$ns" -f "$work/nodes.yaml" > /dev/null
nodes_ready() { [ "$(k get vn -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -cx Ready)" = 2 ]; }
check "nodes a and b become Ready" within 60 nodes_ready
printf 'apiVersion: x3ui.io/v1alpha1\nkind: VpnAssignment\nmetadata: {name: alice}\nspec: {user: {id: "1", email: alice@example.com}}\n' |
  k apply -n "$ns" -f - > /dev/null
ready() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.phase}')" = Ready ]; }
check "alice becomes Ready" within 60 ready
url=$(k get secret alice-vpn -n "$ns" -o jsonpath='{.data.subscriptionUrl}' | base64 -d)
check "alice's Secret holds her subscription URL" test -n "$url"

# Fetches alice's xray subscription into $work/xray.json; true once it lists $1 servers.
xray_lists() {
  curl -fsS -o "$work/xray.json" "$url/xray" 2>/dev/null &&
    [ "$(python3 -c "import json; print(len(json.load(open('$work/xray.json'))))" 2>/dev/null)" = "$1" ]
}
# The outbound ports of the fetched configs, sorted, space-separated.
outbound_ports() {
  python3 - "$work/xray.json" <<'PY'
import json, sys
ports = []
for c in json.load(open(sys.argv[1])):
    s = c["outbounds"][0]["settings"]
    ports.append((s.get("vnext") or s.get("servers"))[0]["port"])
print(" ".join(str(p) for p in sorted(ports)))
PY
}
# Writes element $1 of the fetched configs as a client config listening for SOCKS on port $2.
client_config() {
  python3 - "$work/xray.json" "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))[int(sys.argv[2])]
c["inbounds"] = [i for i in c["inbounds"] if i["protocol"] == "socks"]
c["inbounds"][0]["port"] = int(sys.argv[3])
tls = c["outbounds"][0]["streamSettings"].get("tlsSettings")
if tls is not None:
    tls["allowInsecure"] = True  # the simulator's certificate is self-signed
print(json.dumps(c))
PY
}
# Runs v2ray with every fetched config and fetches the page through each; prints one line per
# config ("<protocol> ok" or "<protocol> failed").
connect_through_each() {
  local n i socks protocol
  n=$(python3 -c "import json; print(len(json.load(open('$work/xray.json'))))")
  for ((i = 0; i < n; i++)); do
    socks=$(free_port)
    client_config "$i" "$socks" > "$work/client-$i.json"
    protocol=$(python3 -c "import json; print(json.load(open('$work/client-$i.json'))['outbounds'][0]['protocol'])")
    v2ray -config "$work/client-$i.json" > "$work/client-$i.log" 2>&1 &
    client_pids+=($!)
    if within 20 page_through "$socks"; then echo "$protocol ok"; else echo "$protocol failed"; cat "$work/client-$i.log" >&2; fi
  done
  stop_clients
}
page_through() {
  curl -fsS --max-time 5 -o "$work/page" --socks5-hostname "127.0.0.1:$1" "http://127.0.0.1:$http_port/" 2>/dev/null &&
    [ "$(head -n1 "$work/page")" = "x3ui subscription client page" ]
}

node=$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName}')
other=$([ "$node" = a ] && echo b || echo a)
check "the xray subscription lists her three servers" within 30 xray_lists 3
check "on her node's three inbounds" test "$(outbound_ports)" = "$(tr ' ' '\n' <<<"${vless[$node]} ${vmess[$node]} ${trojan[$node]}" | sort -n | xargs)"
connect_through_each > "$work/before.txt"
for protocol in vless vmess trojan; do
  check "a real v2ray client reaches the page through her $protocol server on $node" grep -qx "$protocol ok" "$work/before.txt"
done

# Her panel goes down (its API refuses connections): she fails over; the same URL follows.
curl -fsS -X PUT -d '{"outage":true}' "http://127.0.0.1:$control/panels/$node/faults" > /dev/null
moved() { [ "$(k get va alice -n "$ns" -o jsonpath='{.status.nodeName} {.status.phase}')" = "$other Ready" ]; }
check "alice fails over from $node to $other" within 90 moved
on_other() { xray_lists 3 && [ "$(outbound_ports)" = "$(tr ' ' '\n' <<<"${vless[$other]} ${vmess[$other]} ${trojan[$other]}" | sort -n | xargs)" ]; }
check "the same URL now lists $other's three servers" within 30 on_other
connect_through_each > "$work/after.txt"
for protocol in vless vmess trojan; do
  check "the client reaches the page through her $protocol server on $other" grep -qx "$protocol ok" "$work/after.txt"
done

wrong="${url%/*}/$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
check "a wrong token gets 404 and no server" test "$(curl -s -o "$work/wrong.body" -w '%{http_code}' "$wrong/xray")" = 404 -a \
  "$(cat "$work/wrong.body")" = "not found"
summary
