#!/usr/bin/env bash
# What a look at pz.loop_status costs on a filled log, against the 0.1.0 view
# that counted the whole log (its query, kept in sql/released/):
#   PZ_BENCH_SKIP_BUILD=1 bash bench/loop_status.sh
# Logs PZ_BENCH_STATUS_EVENTS events with a reward each on 5 loops, dated two
# hours back, trains them, logs 1% more (pending, rewards not counted yet),
# and prints the best of 3 runs of each query (milliseconds).
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
events=${PZ_BENCH_STATUS_EVENTS:-200000}
build_for_benchmark
trap stop_cluster EXIT
start_cluster "pz.worker_enabled = off"
old_view=$(sed -n '/^CREATE VIEW pz.loop_status AS/,/AS r ON true;/p' "$PZ_ROOT/sql/released/pz--0.1.0.sql" \
             | sed '1s/CREATE VIEW pz.loop_status AS//; $s/;$//')
columns="sum(events + pending + joined + rewards + late_rewards), max(average_reward_day), max(training_lag)"
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE EXTENSION pz;
SELECT pz_create_loop('l' || g, '{"reward_wait": "0 seconds"}') FROM generate_series(1, 5) AS g;
SELECT count(*) FROM generate_series(1, $events) AS g,
       LATERAL pz_rank('l' || (g % 5 + 1), jsonb_build_object('u', g % 13), '["a", "b", "c"]') AS r,
       LATERAL pz_reward(r.event_id, 1) WHERE r.rank = 1;
UPDATE pz.rewards SET received_at = received_at - interval '2 hours';
UPDATE pz.events SET created_at = created_at - interval '2 hours';
SELECT pz_train('l' || g) FROM generate_series(1, 5) AS g;
SELECT count(*) FROM generate_series(1, $events / 100) AS g,
       LATERAL pz_rank('l' || (g % 5 + 1), jsonb_build_object('u', g % 13), '["a", "b", "c"]') AS r,
       LATERAL pz_reward(r.event_id, 1) WHERE r.rank = 1;
VACUUM ANALYZE pz.events, pz.rewards;
SQL
best_of_3() {  # query: the best time of three runs, in ms
  for _ in 1 2 3; do
    psql -X -q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
  done | sort -n | head -1
}
same=$(psql -X -A -t -c "SELECT (SELECT row($columns) FROM pz.loop_status)::text = (SELECT row($columns) FROM ($old_view) AS v)::text")
printf '%-34s %10s\n' "query ($events events, 5 loops)" "ms"
printf '%-34s %10s\n' "pz.loop_status (0.2.0)" "$(best_of_3 "SELECT $columns FROM pz.loop_status")"
printf '%-34s %10s\n' "0.1.0 view, counting the log" "$(best_of_3 "SELECT $columns FROM ($old_view) AS v")"
echo "same figures from both: $same"
