# Helpers shared by the end-to-end scripts (sourced). Expects $KUBECONFIG and $work to be set.
k() { kubectl --kubeconfig "$KUBECONFIG" --cache-dir "$work/kcache" "$@" 2>&1 | grep -v '^Warning: version difference'; }
# A port nobody listens on, below the kernel's ephemeral range (32768+), so that no outgoing
# connection can be holding it when the server binds it.
free_port() {
  local p
  while :; do p=$((20000 + RANDOM % 12000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done
}
# $1 free ports, all different (free_port twice may hand out one port twice while none listens yet).
distinct_ports() {
  local taken=" " p
  while [ "$(wc -w <<<"$taken")" -lt "$1" ]; do
    p=$(free_port)
    [[ $taken == *" $p "* ]] || taken+="$p "
  done
  echo "$taken"
}
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
# Polls a command until it succeeds or the deadline (seconds) passes.
within() { local deadline=$1; shift; local end=$((SECONDS + deadline)); until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done; }
# The leader-election Lease's holder in $ns, "" while there is none (no Lease yet: kubectl's
# error is not a holder).
holder() {
  kubectl --kubeconfig "$KUBECONFIG" --cache-dir "$work/kcache" get lease x3ui-operator-leader -n "$ns" \
    -o jsonpath='{.spec.holderIdentity}' 2>/dev/null
}
held() { [ -n "$(holder)" ]; }
# Starts x3ui-sim ($1: binary) with the config $work/sim.yaml; sets sim_pid.
start_sim() {
  "$1" --config "$work/sim.yaml" --ready-file "$work/sim.ready" >"$work/sim.log" 2>&1 &
  sim_pid=$!
  within 10 test -f "$work/sim.ready" || { echo "x3ui-sim did not start"; cat "$work/sim.log"; exit 1; }
}
# The EXIT trap of the scripts that run the operator without the ledger: kills the operator and
# the simulator, removes the namespace and $work.
run_cleanup() {
  [ -n "${op_pid:-}" ] && kill -KILL "$op_pid" 2>/dev/null
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  k delete namespace "$ns" --wait=false >/dev/null
  rm -rf "$work"
}
# Prints the tally and the operator log's tail on failure; the exit status says whether all passed.
summary() {
  if [ "$failed" -gt 0 ] && [ -f "$work/operator.log" ]; then tail -n 20 "$work/operator.log"; fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
# The panels' credentials Secret "panel" (user admin, password $1), as YAML.
panel_secret_yaml() {
  printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: panel, labels: {x3ui.io/panel-credentials: "true"}}\nstringData: {username: admin, password: %s}\n' "$1"
}
# For the subscription tests, after setup_ledger_run: the operator ($op; fast probes, a 2 s
# failover grace, the ledger, subscription URLs under 127.0.0.1:$subport) and
# `x3ui-operator subscriptions` on $subport ($@: its further flags). Sets op_pid and sub_pid;
# logs in $work/operator.log and $work/subs.log.
start_operator_and_subscriptions() {
  "$op" --kubeconfig "$KUBECONFIG" --namespace "$ns" --dashboard-bind-address 0 --database-url "postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
    --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$probes" \
    --probe-interval 1s --failure-threshold 2 --success-threshold 1 --failover-grace 2s \
    --subscription-base-url "http://127.0.0.1:$subport/sub/" >>"$work/operator.log" 2>&1 &
  op_pid=$!
  "$op" subscriptions --kubeconfig="$KUBECONFIG" --namespaces="$ns" --listen-address="127.0.0.1:$subport" "$@" \
    >>"$work/subs.log" 2>&1 &
  sub_pid=$!
}
# For the scripts that run the operator with the ledger: exports PostgreSQL's connection variables
# from the test server's env file ($1), names this run's namespace and database ($2-PID,
# $2_PID with dashes as underscores), defines sql() on that database, creates it, and on exit
# kills the operator and the simulator and removes the namespace, the database and $work
# (KEEP_E2E=1 keeps them for a look).
setup_ledger_run() {
  # shellcheck disable=SC1090,SC1091
  . <(grep -E '^(PGHOST|PGPORT|PGUSER|PGPASSWORD)=' "$1/env" | sed 's/^/export /')
  ns=$2-$$
  db=$(tr '-' '_' <<<"$2")_$$
  trap ledger_run_cleanup EXIT
  psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null || { echo "cannot create database $db"; exit 1; }
}
sql() { psql -X -q -t -A -d "$db" -c "$1"; }
ledger_run_cleanup() {
  [ -n "${op_pid:-}" ] && kill -KILL "$op_pid" 2>/dev/null
  [ -n "${sim_pid:-}" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "${KEEP_E2E:-}" ] && { echo "kept $work and namespace $ns"; return; }
  k delete namespace "$ns" --wait=false >/dev/null
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  rm -rf "$work"
}
