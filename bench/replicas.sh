#!/usr/bin/env bash
# Rank throughput on one node and on a primary with two hot standbys, in one
# command:
#   bash bench/replicas.sh
# Its own three clusters (tests/cluster/replica_set.sh): a primary and two
# standbys streaming from it, all on this machine. pgbench ranks (10 actions,
# logging = buffered, each decision logged) first on the primary alone, then
# on all three nodes at once; the standbys' decisions are forwarded to the
# primary. Prints each node's tps, the total, and checks that every decision
# made reached the primary's log. bench/run.sh runs it as section i.
#
# Environment:
#   PZ_BENCH_SKIP_BUILD=1        use the pz already installed
#   PZ_BENCH_SECONDS=15          length of each pgbench run
#   PZ_REPLICAS_CLIENTS=2        pgbench clients per node
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
source "$PZ_ROOT/tests/cluster/replica_set.sh"

seconds=${PZ_BENCH_SECONDS:-15}
clients=${PZ_REPLICAS_CLIENTS:-2}
build_for_benchmark
work=$(mktemp -d)
chmod 755 "$work"
trap 'rs_stop; rm -rf "$work"' EXIT
export PGOPTIONS="-c client_min_messages=warning"

# The worker trains every second, as a loop under load would. The standbys'
# queues hold what the primary, sharing these CPUs, has not yet taken (a
# backlog of seconds here; see the README on separate machines).
rs_start 2 "pz.naptime = 1" "shared_buffers = 256MB" "pz.log_buffer_size = '64MB'"
rs_q 0 -c "SELECT pz_create_loop('scale', '{\"logging\": \"buffered\", \"reward_wait\": \"5 seconds\", \"model_update\": \"1 second\"}')" >/dev/null
for node in 1 2; do rs_wait_for "$node" 30 "SELECT count(*) = 1 FROM pz.loops"; done
cat >"$work/rank.sql" <<'SQL'
\set user random(1, 100000)
\set segment random(1, 20)
SELECT count(*) FROM pz_rank('scale', jsonb_build_object('user', jsonb_build_object('segment', 's' || :segment::int), 'id', :user::int),
                             '["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"]');
SQL

run_pgbench() {  # node: runs in the background, output in $work/nodeN.out
  "$PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$work/rank.sql" \
    -h "$RS_DIR" -p "${RS_PORTS[$1]}" -U postgres postgres >"$work/node$1.out" 2>&1 &
}
tps_of() { awk '/^tps = / { printf "%.0f\n", $3 }' "$work/node$1.out"; }
processed_of() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/node$1.out"; }

echo "== one node: the primary alone, $clients clients, $seconds s"
run_pgbench 0
wait $!
single=$(tps_of 0)
single_processed=$(processed_of 0)

echo "== primary + two standbys at once, $clients clients each, $seconds s"
pids=()
for node in 0 1 2; do
  run_pgbench "$node"
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
total=0
processed=$single_processed
for node in 0 1 2; do
  node_tps[$node]=$(tps_of "$node")
  total=$((total + node_tps[node]))
  processed=$((processed + $(processed_of "$node")))
done
# The standbys' queues empty once the primary has their decisions (and they
# replayed them), the primary's once its logger wrote its own.
for node in 1 2 0; do
  rs_wait_for "$node" 120 "SELECT queued = 0 FROM pz.log_queue" || true
done
logged=$(rs_q 0 -c "SELECT count(*) FROM pz.events")
dropped=$(($(rs_q 1 -c "SELECT dropped FROM pz.log_queue") + $(rs_q 2 -c "SELECT dropped FROM pz.log_queue")))
lag=$(rs_q 0 -c "SELECT string_agg(node || ' ' || round(extract(epoch FROM forwarding_lag)::numeric, 3) || ' s', ', ' ORDER BY node) FROM pz.node_inflow")

printf '%-52s %10s\n' "one node (primary alone), rank tps" "$single"
printf '%-52s %10s\n' "primary + 2 standbys: primary, rank tps" "${node_tps[0]}"
printf '%-52s %10s\n' "primary + 2 standbys: standby 1, rank tps" "${node_tps[1]}"
printf '%-52s %10s\n' "primary + 2 standbys: standby 2, rank tps" "${node_tps[2]}"
printf '%-52s %10s\n' "primary + 2 standbys: total, rank tps" "$total"
printf '%-52s %10s\n' "decisions made / in the primary's log / dropped" "$processed / $logged / $dropped"
echo "forwarding lag of each standby's last batch: $lag"
echo "replicas: $single tps on one node, $total tps on three ($(nproc) CPUs shared by all three servers and pgbench)"
[[ $logged == "$processed" ]] || {
  echo "not every decision reached the primary" >&2
  for node in 0 1 2; do rs_q "$node" -c "SELECT * FROM pz.log_queue" >&2; done
  exit 1
}
