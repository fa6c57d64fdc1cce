#!/usr/bin/env bash
# What an objective costs the trainer, in one command:
#   bash bench/objective_train.sh
# Two loops get the same kind of log through the API (pz_rank with 10
# actions, then pz_reward: a click for 30% of the events, a purchase for 5%,
# each a named signal): "plain" learns every reward (no objective), "weighted"
# the objective {"click": 0.2, "purchase": 0.8}, which reads each event's
# rewards per signal. pz_train then joins and learns each log; the figures are
# examples learned a second. Its own throwaway cluster, the worker off.
#
# Environment:
#   PZ_BENCH_SKIP_BUILD=1          use the pz already installed
#   PZ_OBJECTIVE_EVENTS=100000     events logged for each loop
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"

events=${PZ_OBJECTIVE_EVENTS:-100000}
# Other work on the machine skews the figures: shown with them.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
build_for_benchmark
trap stop_cluster EXIT
start_cluster "pz.worker_enabled = off"
value() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

psql -X -q -v ON_ERROR_STOP=1 -v events="$events" <<'SQL'
CREATE EXTENSION pz;
SELECT name FROM pz_create_loop('plain', '{"reward_wait": "0 seconds"}') \g /dev/null
SELECT name FROM pz_create_loop('weighted', '{"reward_wait": "0 seconds", "objective": {"click": 0.2, "purchase": 0.8}}') \g /dev/null
CREATE TABLE bench_actions AS
SELECT jsonb_agg(jsonb_build_object('id', 'item' || k, 'features', jsonb_build_object('kind', 'k' || (k % 3), 'price', 10 + k))) AS actions
  FROM generate_series(0, 9) AS k;
CREATE TABLE bench_events AS
SELECT l.name AS loop, g.i, r.event_id
  FROM (VALUES ('plain'), ('weighted')) AS l(name), generate_series(1, :events) AS g(i), bench_actions AS a,
       pz_rank(l.name, jsonb_build_object('user', jsonb_build_object('segment', 's' || g.i % 5)), a.actions) AS r
 WHERE r.rank = 1;
SELECT count(pz_reward(e.event_id, 1, 'click')) FROM bench_events e WHERE e.i % 10 < 3 \g /dev/null
SELECT count(pz_reward(e.event_id, 1, 'purchase')) FROM bench_events e WHERE e.i % 20 = 0 \g /dev/null
VACUUM ANALYZE pz.events, pz.rewards;
SQL

for loop in plain weighted; do
  started=$(now)
  learned=0
  while :; do
    read -r step more < <(value "SELECT t->>'learned', t->>'more_due' FROM pz_train('$loop') AS t" | tr '|' ' ')
    learned=$((learned + step))
    [[ $more == true ]] || break
  done
  elapsed=$(calc "$(now) - $started" 2)
  echo "$loop: $learned examples in $elapsed s: $(calc "$learned / $elapsed" 0) examples/s"
  echo "$loop: average reward learned $(value "SELECT round(avg(e.reward)::numeric, 4) FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = '$loop'")"
done
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
