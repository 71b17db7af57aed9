#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests, benchmarks and the demo: a cluster in DIR owned by
# the postgres user (the server refuses to run as root), on a free loopback port, stopped by the
# PID it recorded, never by name. Safe to run twice, after a crash, and for several DIRs at once.
#
# Usage:
#   hack/postgres.sh start DIR     init (first time) and start; writes DIR/env
#   hack/postgres.sh stop DIR      fast shutdown of the server started in DIR (data kept)
#   hack/postgres.sh restart DIR   stop then start on the same port
#   hack/postgres.sh status DIR    exit 0 when it answers
#   hack/postgres.sh destroy DIR   stop and delete the cluster's data
#
# The cluster's files live in a private directory under /tmp (named in DIR/datadir), because
# DIR may sit below a directory the postgres user cannot enter (a clone under /root, say).
# DIR/env holds shell assignments: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD and
# DATABASE_URL (a libpq URI with the generated password). The password is random per cluster.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
home=""
[ -f "$dir/datadir" ] && home=$(cat "$dir/datadir")
data="$home/data"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port nobody listens on, below the kernel's ephemeral range (32768+), so that no outgoing
# connection can be holding it when the server binds it.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "postgres.sh: no free port found" >&2
  return 1
}

server_pid() {
  [ -f "$data/postmaster.pid" ] && head -n1 "$data/postmaster.pid" || true
}

# A process that was killed but not yet reaped (a zombie) counts as dead.
pid_alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

running() {
  local pid
  pid=$(server_pid)
  [ -n "$pid" ] && pid_alive "$pid"
}

init_cluster() {
  [ -n "$home" ] && [ -f "$data/PG_VERSION" ] && return 0
  home=$(mktemp -d /tmp/x3ui-postgres-XXXXXX)
  data="$home/data"
  echo "$home" > "$dir/datadir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$home"; fi
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  umask 077
  printf '%s\n' "$password" > "$dir/pwfile"
  cp "$dir/pwfile" "$home/pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$home/pwfile"; fi
  as_pg "$PGBIN/initdb" -D "$data" -U x3ui --pwfile="$home/pwfile" -A scram-sha-256 --encoding=UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$home/pwfile"
  echo "$(free_port)" > "$dir/port"
}

write_env() {
  local port password
  port=$(cat "$dir/port")
  password=$(cat "$dir/pwfile")
  umask 077
  cat > "$dir/env" <<ENV
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=x3ui
PGDATABASE=postgres
PGPASSWORD=$password
DATABASE_URL=postgresql://x3ui:$password@127.0.0.1:$port/postgres
ENV
}

start() {
  init_cluster
  if running; then write_env; return 0; fi
  rm -f "$data/postmaster.pid"  # left by a crash; the PID in it is not ours any more
  local port
  port=$(cat "$dir/port")
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=$(free_port)
    echo "$port" > "$dir/port"
  fi
  as_pg "$PGBIN/pg_ctl" -D "$data" -l "$home/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$home' -c fsync=off -c shared_buffers=64MB -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" \
    start >/dev/null || { tail -n 20 "$home/server.log" >&2; exit 1; }
  write_env
}

stop() {
  local pid
  pid=$(server_pid)
  if [ -z "$pid" ] || ! pid_alive "$pid"; then return 0; fi
  kill -INT "$pid"  # fast shutdown
  for _ in $(seq 1 300); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  echo "postgres.sh: server $pid did not stop in 30 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  destroy)
    stop
    if [ -n "$home" ]; then rm -rf "$home"; fi
    rm -f "$dir/datadir" "$dir/env" "$dir/port" "$dir/pwfile"
    ;;
  status) running && as_pg "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$dir/port")" ;;
  *) echo "postgres.sh: unknown command $cmd" >&2; exit 2 ;;
esac
