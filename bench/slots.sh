#!/usr/bin/env bash
# What slots cost, in one command:
#   bash bench/slots.sh
# Server-side time of one pz_rank call with options.slots = 3 against the same
# call with one position, at 50 and 5,000 actions, unlogged ({"learn": false})
# and logged, on a trained loop (scores that differ, as in production). Each
# figure is the best of 3 rounds that alternate the two forms, so that other
# work on the machine skews both alike. Target (issue 13): slots = 3 costs at
# most 1.5 times one position. Its own throwaway cluster; bench/run.sh runs it
# as section i. About a minute on 2 cores.
#
# Environment:
#   PZ_BENCH_SKIP_BUILD=1   use the pz already installed
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"

build_for_benchmark
trap stop_cluster EXIT
start_cluster "pz.worker_enabled = off"
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }

q -c "CREATE EXTENSION pz" >/dev/null
q <<'SQL' >/dev/null
SELECT pz_create_loop('slots_bench', '{"reward_wait": "0 seconds"}');
CREATE TABLE slots_actions AS
SELECT n, (SELECT jsonb_agg(jsonb_build_object('id', 'item' || i, 'features',
                              jsonb_build_object('category', 'c' || i % 20, 'brand', 'b' || i % 50, 'price', i % 97)))
             FROM generate_series(1, n) AS i) AS actions
  FROM unnest(ARRAY[50, 5000]) AS n;
-- A trained model: 2,000 decisions over 50 actions, category c3 pays.
SELECT count(pz_reward(r.event_id, CASE WHEN r.action_id LIKE 'item%3' THEN 1 ELSE 0 END))
  FROM generate_series(1, 2000) AS g,
       LATERAL pz_rank('slots_bench', jsonb_build_object('user', jsonb_build_object('segment', 's' || g % 20)),
                       (SELECT actions FROM slots_actions WHERE n = 50)) AS r
 WHERE r.rank = 1;
SELECT pz_train('slots_bench');

-- µs per pz_rank call with these options, the loop's own overhead (building
-- the contexts) subtracted.
CREATE FUNCTION slots_rank_time(size integer, calls integer, options jsonb) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    acts jsonb := (SELECT actions FROM slots_actions WHERE n = size);
    started timestamptz;
    ranking float8;
BEGIN
    PERFORM count(*) FROM pz_rank('slots_bench', '{}', acts, '{"learn": false}');
    started := clock_timestamp();
    FOR i IN 1..calls LOOP
        PERFORM count(*) FROM pz_rank('slots_bench',
            jsonb_build_object('user', jsonb_build_object('segment', 's' || i % 20)), acts, options);
    END LOOP;
    ranking := extract(epoch FROM clock_timestamp() - started);
    started := clock_timestamp();
    FOR i IN 1..calls LOOP
        PERFORM count(*) FROM jsonb_each(jsonb_build_object('user', jsonb_build_object('segment', 's' || i % 20)));
    END LOOP;
    RETURN (ranking - extract(epoch FROM clock_timestamp() - started)) * 1e6 / calls;
END
$$;
SQL

printf '%-44s %10s %10s %8s   %s\n' "pz_rank, server-side" "1 slot" "3 slots" "ratio" "target <= 1.5"
for n in 50 5000; do
  calls=$((500000 / n))
  for logged in false true; do
    if [[ $logged == true ]]; then
      options='{}' slotted='{"slots": 3}'
    else
      options='{"learn": false}' slotted='{"learn": false, "slots": 3}'
    fi
    best_one="" best_three=""
    for round in 1 2 3; do
      one=$(q -c "SELECT slots_rank_time($n, $calls, '$options')")
      three=$(q -c "SELECT slots_rank_time($n, $calls, '$slotted')")
      best_one=$(awk -v a="$one" -v b="${best_one:-$one}" 'BEGIN { print (a < b ? a : b) }')
      best_three=$(awk -v a="$three" -v b="${best_three:-$three}" 'BEGIN { print (a < b ? a : b) }')
    done
    ratio=$(awk -v a="$best_three" -v b="$best_one" 'BEGIN { printf "%.2f", a / b }')
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.5 ? "met" : "NOT met") }')
    what="unlogged"
    [[ $logged == false ]] || what="logged"
    printf '%-44s %10.1f %10.1f %8s   %s\n' "$n actions, $what: µs per call" "$best_one" "$best_three" "$ratio" "$verdict"
  done
done
