#!/usr/bin/env bash
# A real local Kubernetes control plane for tests, benchmarks and the demo: etcd 3.4 (Debian's
# etcd-server) and kube-apiserver v1.20.2 (built once per machine by hack/kube-apiserver.sh) on
# free loopback ports, with generated certificates, a static admin token and a kubeconfig. Like
# envtest: no controllers, no scheduler, no garbage collector. Processes are stopped by the PIDs
# recorded here, never by name; several control planes can run at once (one DIR each), and a
# start after a crash cleans up what the crash left.
#
# Usage:
#   hack/control-plane.sh start DIR [--authorization-mode=RBAC] [--audit-log] [--crds=DIR]
#   hack/control-plane.sh stop DIR            stop both (data kept)
#   hack/control-plane.sh restart-apiserver DIR
#   hack/control-plane.sh destroy DIR         stop and delete everything in DIR
#
# DIR/env holds: KUBECONFIG, KUBE_API (https URL), KUBE_TOKEN (system:masters), KUBE_CA (path),
# ETCD_ENDPOINT. DIR/kubeconfig works with kubectl (pass --cache-dir to keep discovery private).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then sed -n '2,16p' "$0" >&2; exit 2; fi
shift 2
authz=AlwaysAllow
audit=false
crds=""
for a in "$@"; do
  case "$a" in
    --authorization-mode=*) authz=${a#*=} ;;
    --audit-log) audit=true ;;
    --crds=*) crds=$(cd "${a#*=}" && pwd) ;;
    *) echo "control-plane.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "control-plane.sh: $*" >&2; }

# A port nobody listens on, below the kernel's ephemeral range (32768+), so that no outgoing
# connection can be holding it when the server binds it.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  log "no free port found"; return 1
}

# A process that was killed but not yet reaped (a zombie) counts as dead.
pid_alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }
alive() { [ -f "$1" ] && pid_alive "$(cat "$1")"; }

stop_pid() {  # pidfile
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do pid_alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

certs() {
  [ -f "$dir/pki/apiserver.crt" ] && return 0
  mkdir -p "$dir/pki"
  (
    cd "$dir/pki"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=x3ui-test-ca" -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile ext \
      -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    token=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
    echo "$token,admin,admin-uid,system:masters" > tokens.csv
    echo "$token" > admin.token
  )
}

start_etcd() {
  if alive "$dir/etcd.pid"; then return 0; fi
  local client peer
  # Reuse the ports of an earlier run (a member's data records its peer URL); new ones only
  # when they are taken, and then the old member data cannot be reused.
  read -r client peer 2>/dev/null < "$dir/etcd.ports" || true
  if [ -z "${client:-}" ] || (exec 3<>"/dev/tcp/127.0.0.1/$client") 2>/dev/null ||
     (exec 3<>"/dev/tcp/127.0.0.1/$peer") 2>/dev/null; then
    client=$(free_port); peer=$(free_port)
    rm -rf "$dir/etcd"
  fi
  echo "$client $peer" > "$dir/etcd.ports"
  echo "http://127.0.0.1:$client" > "$dir/etcd.endpoint"
  mkdir -p "$dir/etcd"
  setsid etcd --name x3ui --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "x3ui=http://127.0.0.1:$peer" --unsafe-no-fsync --log-level error \
    >"$dir/etcd.log" 2>&1 < /dev/null &
  echo $! > "$dir/etcd.pid"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$client/health" >/dev/null 2>&1 && return 0
    alive "$dir/etcd.pid" || break
    sleep 0.1
  done
  log "etcd did not become healthy"; tail -n 20 "$dir/etcd.log" >&2; exit 1
}

start_apiserver() {
  if alive "$dir/apiserver.pid"; then return 0; fi
  local bin port
  bin=$(bash "$repo/hack/kube-apiserver.sh")
  port=$(cat "$dir/apiserver.port" 2>/dev/null || true)
  if [ -z "$port" ] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=$(free_port); fi
  echo "$port" > "$dir/apiserver.port"
  local extra=()
  if $audit; then
    printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n' > "$dir/audit-policy.yaml"
    extra+=(--audit-policy-file="$dir/audit-policy.yaml" --audit-log-path="$dir/audit.log" --audit-log-format=json)
  fi
  setsid "$bin" --etcd-servers="$(cat "$dir/etcd.endpoint")" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" --insecure-port=0 \
    --tls-cert-file="$dir/pki/apiserver.crt" --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" --token-auth-file="$dir/pki/tokens.csv" \
    --service-account-key-file="$dir/pki/sa.pub" --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --authorization-mode="$authz" --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount --enable-priority-and-fairness=false \
    --cert-dir="$dir/pki" "${extra[@]}" \
    >"$dir/apiserver.log" 2>&1 < /dev/null &
  echo $! > "$dir/apiserver.pid"
  local token
  token=$(cat "$dir/pki/admin.token")
  for _ in $(seq 1 600); do
    if curl -fsS --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $token" \
      "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      write_config "$port" "$token"
      return 0
    fi
    alive "$dir/apiserver.pid" || break
    sleep 0.1
  done
  log "kube-apiserver did not become ready"; tail -n 30 "$dir/apiserver.log" >&2; exit 1
}

write_config() {  # port token
  umask 077
  cat > "$dir/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$1
    certificate-authority: $dir/pki/ca.crt
users:
- name: admin
  user:
    token: $2
contexts:
- name: local
  context:
    cluster: local
    user: admin
    namespace: default
current-context: local
KCFG
  cat > "$dir/env" <<ENV
KUBECONFIG=$dir/kubeconfig
KUBE_API=https://127.0.0.1:$1
KUBE_TOKEN=$2
KUBE_CA=$dir/pki/ca.crt
ETCD_ENDPOINT=$(cat "$dir/etcd.endpoint")
ENV
}

case "$cmd" in
  start)
    for b in etcd openssl curl; do command -v "$b" >/dev/null || { log "$b is missing: run hack/install-deps.sh"; exit 1; }; done
    certs
    start_etcd
    start_apiserver
    if [ -n "$crds" ]; then
      k=(kubectl --kubeconfig "$dir/kubeconfig" --cache-dir "$dir/kubectl-cache")
      "${k[@]}" apply -f "$crds" >/dev/null 2>&1 || { log "applying $crds failed"; "${k[@]}" apply -f "$crds"; exit 1; }
      "${k[@]}" wait --for condition=established --timeout=60s -f "$crds" >/dev/null 2>&1
    fi
    ;;
  stop)
    stop_pid "$dir/apiserver.pid"
    stop_pid "$dir/etcd.pid"
    ;;
  restart-apiserver)
    stop_pid "$dir/apiserver.pid"
    start_apiserver
    ;;
  destroy)
    stop_pid "$dir/apiserver.pid"
    stop_pid "$dir/etcd.pid"
    rm -rf "$dir/etcd" "$dir/pki" "$dir"/*.log "$dir/env" "$dir/kubeconfig" "$dir"/*.port "$dir"/*.ports \
      "$dir"/*.endpoint "$dir/kubectl-cache" "$dir/audit-policy.yaml"
    ;;
  *) log "unknown command $cmd"; exit 2 ;;
esac
