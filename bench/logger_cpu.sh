#!/usr/bin/env bash
# CPU the pz logger spends writing one buffered decision:
#   PZ_BENCH_EVENTS=20000 bash bench/logger_cpu.sh
# Starts a throwaway cluster with the pz already installed, queues that many
# decisions of 50 candidates (one statement, while the logger waits:
# pz.log_flush_interval = 60s), lets the logger write them, and divides its
# user + system CPU time (/proc/<pid>/stat) by the events it wrote. A warm-up
# batch stores the candidates' documents first, as on a running server.
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
events=${PZ_BENCH_EVENTS:-20000}
trap stop_cluster EXIT
start_cluster "shared_buffers = 256MB" "pz.log_buffer_size = '256MB'" >/dev/null
sql() { psql -X -q -A -t "$@"; }
flush_interval() { sql -c "ALTER SYSTEM SET pz.log_flush_interval = '$1'" -c "SELECT pg_reload_conf()" >/dev/null; }
drained() {
  for ((i = 0; i < 600; i++)); do
    [[ $(sql -c "SELECT queued FROM pz.log_queue") == 0 ]] && return 0
    sleep 0.2
  done
  echo "the logger did not write the queue" >&2
  exit 1
}
rank() {  # count
  sql -c "SELECT count(*) FROM actions, generate_series(1, $1) g,
            LATERAL pz_rank('logged', jsonb_build_object('user', g % 20, 'g', g), actions.list) r
          WHERE r.rank = 1" >/dev/null
}
sql -c "CREATE EXTENSION pz" -c "SELECT pz_create_loop('logged', '{\"logging\": \"buffered\"}')" >/dev/null
sql -c "CREATE TABLE actions AS SELECT jsonb_agg(jsonb_build_object('id', 'i' || g, 'features',
          jsonb_build_object('category', 'c' || (g % 7), 'price', g))) AS list FROM generate_series(1, 50) g"
logger=$(sql -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pz logger'")
rank 2000
drained
flush_interval 60s
sleep 1
written_before=$(sql -c "SELECT written FROM pz.log_queue")
cpu_before=$(awk '{print $14 + $15}' "/proc/$logger/stat")
rank "$events"
flush_interval 100ms
drained
cpu_after=$(awk '{print $14 + $15}' "/proc/$logger/stat")
written=$(($(sql -c "SELECT written FROM pz.log_queue") - written_before))
per_event=$(awk "BEGIN { printf \"%.1f\", ($cpu_after - $cpu_before) * 1000000 / $(getconf CLK_TCK) / $written }")
echo "pz logger: $written events, $per_event µs of CPU an event" \
     "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
