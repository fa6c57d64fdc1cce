#!/usr/bin/env bash
# The decision log's size at steady state under retention, in one command:
#   bash bench/retention.sh
# pgbench ranks (10 actions) and rewards at a steady rate on a loop whose
# retention is 30 seconds, while one session does the worker's job every
# second (pz_train, then pz.apply_retention until nothing more is due), and
# the sizes of the decision log (pz.decisions, pz.event_state, pz.actions) and pz.rewards (heap, TOAST and indexes) are printed
# every 10 seconds. Once the oldest events reach the retention's age, deletes
# keep pace with inserts and autovacuum hands the space back for reuse: the
# sizes stop growing. Its own throwaway cluster, so that no other table
# changes autovacuum's thresholds; bench/run.sh runs it as section f.
#
# Environment:
#   PZ_BENCH_SKIP_BUILD=1        use the pz already installed
#   PZ_RETENTION_SECONDS=240     length of the load
#   PZ_RETENTION_RATE=200        ranks (each with a reward) per second
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"

seconds=${PZ_RETENTION_SECONDS:-240}
rate=${PZ_RETENTION_RATE:-200}
retention_seconds=30

build_for_benchmark
maintainer=
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  [[ -z "$maintainer" ]] || kill "$maintainer" 2>/dev/null || true
  rm -rf "$work"
  stop_cluster
}
trap cleanup EXIT
# Autovacuum looks every 10 s instead of every minute, so that a run of a few
# minutes spans several of its passes; its thresholds stay the defaults. The
# worker is off: one session below does its job, as in bench/run.sh.
start_cluster "autovacuum_naptime = 10s" "pz.worker_enabled = off"

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION pz;
SELECT name FROM pz_create_loop('steady', '{"reward_wait": "2 seconds", "retention": "$retention_seconds seconds"}') \g /dev/null
SQL
cat >"$work/rank_and_reward.sql" <<'SQL'
\set user random(1, 1000)
SELECT pz_reward(event_id, CASE WHEN action_id IN ('item1', 'item2') THEN 1 ELSE 0 END)
  FROM pz_rank('steady', jsonb_build_object('user', jsonb_build_object('id', 'u' || :user, 'segment', 's' || :user % 20)),
               (SELECT jsonb_agg(jsonb_build_object('id', 'item' || k,
                          'features', jsonb_build_object('kind', 'k' || k % 3, 'price', 10 + k)))
                  FROM generate_series(0, 9) AS k))
 WHERE rank = 1;
SQL

# The worker's job, every second, from one session.
maintain() {
  while [[ ! -e "$work/stop" ]]; do
    psql -X -A -t -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || true
SELECT pz_train('steady') ->> 'more_due' AS more \gset
\if :more
SELECT pz_train('steady');
\endif
SELECT pz.apply_retention('steady') ->> 'more_due' AS more \gset
\if :more
SELECT pz.apply_retention('steady');
\endif
SQL
    sleep 1
  done
}
maintain &
maintainer=$!

pgbench -n -M prepared -c 2 -j 2 -R "$rate" -T "$seconds" -f "$work/rank_and_reward.sql" >"$work/pgbench.out" 2>&1 &
loader=$!
printf '%8s %10s %8s %14s %14s %14s\n' seconds events pending events_bytes rewards_bytes total_bytes
started=$SECONDS
while kill -0 $loader 2>/dev/null; do
  sleep 10
  read -r events pending events_bytes rewards_bytes < <(psql -X -A -t -q -F ' ' -c "
    SELECT count(*), count(*) FILTER (WHERE joined_at IS NULL),
           pg_total_relation_size('pz.decisions') + pg_total_relation_size('pz.event_state') + pg_total_relation_size('pz.actions'), pg_total_relation_size('pz.rewards')
      FROM pz.events JOIN pz.loops USING (loop_id) WHERE name = 'steady'")
  elapsed=$((SECONDS - started))
  printf '%8s %10s %8s %14s %14s %14s\n' "$elapsed" "$events" "$pending" "$events_bytes" "$rewards_bytes" \
    "$((events_bytes + rewards_bytes))"
  echo "$elapsed $((events_bytes + rewards_bytes))" >>"$work/sizes"
done
wait $loader || { cat "$work/pgbench.out"; exit 1; }
touch "$work/stop"
wait "$maintainer"
maintainer=
grep -E "^(number of transactions actually processed|tps)" "$work/pgbench.out"

# Steady state begins when the first events reach the retention's age (plus
# a minute for autovacuum to have passed): the size then, and at the end.
awk -v from=$((retention_seconds + 60)) '
  $1 >= from && first == "" { first = $2; first_at = $1 }
  { last = $2; last_at = $1 }
  END { printf "steady state: %d bytes at %d s, %d bytes at %d s (%+.1f%%)\n",
               first, first_at, last, last_at, 100 * (last - first) / first }' "$work/sizes"
