#!/usr/bin/env bash
# The worker never stalls: a poisoned event in a busy loop is quarantined and
# counted while that loop and the others keep learning, in turns; cancels and
# configuration reloads in the middle of its steps neither stop it nor make it
# learn an event twice; its inserts show in pg_stat_user_tables. Runs in the
# worker's database.
source "$(dirname "$0")/common.sh"
db=postgres
trap 'q -d $db -c "ALTER SYSTEM RESET pz.train_batch_size" -c "ALTER SYSTEM RESET pz.worker_enabled" \
        -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true' EXIT

set_worker() {  # pz.* setting, value: applied by a reload (SIGHUP)
  q -d $db -c "ALTER SYSTEM SET $1 = '$2'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 1.5
}
worker_pid() { q -d $db -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pz trainer'"; }
rank_many() {  # loop, count
  q -d $db -c "SELECT count(*) FROM generate_series(1, $2) AS g,
                 LATERAL pz_rank('$1', jsonb_build_object('user', jsonb_build_object('g', g % 7)),
                                 '[{\"id\": \"a\", \"features\": {\"c\": \"x\"}}, \"b\", \"c\"]') AS r
               WHERE r.rank = 1" >/dev/null
}
learned_once() {  # loop: does the current model hold each learned event exactly once?
  q -d $db -c "SELECT m.examples = (SELECT count(*) FROM pz.events e WHERE e.loop_id = l.loop_id
                                      AND e.outcome IN ('rewarded', 'defaulted'))
                 FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version
                WHERE l.name = '$1'"
}

q -d $db -c "CREATE EXTENSION IF NOT EXISTS pz"
q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name IN ('busy', 'quiet_1', 'quiet_2', 'churn')" >/dev/null
set_worker pz.worker_enabled off
set_worker pz.train_batch_size 100
pid=$(worker_pid)
[[ -n "$pid" ]] || fail "no pz trainer running"

# 1. A busy loop with a backlog of 30 steps and one poisoned event; two quiet loops.
settings='{"reward_wait": "0 seconds", "model_update": "1 second"}'
for loop in busy quiet_1 quiet_2; do q -d $db -c "SELECT pz_create_loop('$loop', '$settings')" >/dev/null; done
rank_many busy 3000
q -d $db -c "UPDATE pz.events SET chosen_action = 'ghost', ranking[1] = 'ghost'
              WHERE event_id = (SELECT event_id FROM pz.events e JOIN pz.loops l USING (loop_id)
                                 WHERE l.name = 'busy' ORDER BY e.created_at, e.event_id OFFSET 1500 LIMIT 1)" >/dev/null
rank_many quiet_1 5
rank_many quiet_2 5
inserts_before=$(q -d $db -c "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'pz.models'::regclass")
set_worker pz.worker_enabled on
wait_for 120 $db "SELECT pending = 0 FROM pz.loop_status WHERE loop = 'busy'"
wait_for 30 $db "SELECT bool_and(model_version > 0) FROM pz.loops WHERE name IN ('quiet_1', 'quiet_2')"
expect_equal "quarantined events of busy (events, status)" "1|1" \
  "$(q -d $db -c "SELECT (SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id)
                           WHERE l.name = 'busy' AND e.outcome = 'quarantined'),
                         (SELECT quarantined FROM pz.loop_status WHERE loop = 'busy')")"
expect_equal "busy learned every other event" "2999|2999|t" \
  "$(q -d $db -c "SELECT joined, examples, pending = 0 FROM pz.loop_status WHERE loop = 'busy'")"
expect_equal "busy learned each event once" t "$(learned_once busy)"
# In turns: the quiet loops had their models before the busy loop's backlog was done.
expect_equal "quiet loops trained before the busy backlog was worked off" t \
  "$(q -d $db -c "SELECT max(m.created_at) FILTER (WHERE l.name = 'busy')
                         > max(m.created_at) FILTER (WHERE l.name LIKE 'quiet_%' AND m.version = 1)
                    FROM pz.models m JOIN pz.loops l USING (loop_id)")"
expect_equal "worker still the same process" "$pid" "$(worker_pid)"

# 2. Statistics: the worker's model inserts are visible to autovacuum.
versions=$(q -d $db -c "SELECT sum(model_version) FROM pz.loops WHERE name IN ('busy', 'quiet_1', 'quiet_2')")
wait_for 10 $db "SELECT n_tup_ins - $inserts_before >= $versions FROM pg_stat_user_tables WHERE relid = 'pz.models'::regclass"
echo "ok: pg_stat_user_tables counts the worker's $versions model inserts"

# 3. Cancels and reloads of the worker in the middle of its steps.
q -d $db -c "SELECT pz_create_loop('churn', '$settings')" >/dev/null
set_worker pz.worker_enabled off
rank_many churn 20000
set_worker pz.worker_enabled on
cancels=0
for ((i = 0; i < 40; i++)); do
  [[ "$(q -d $db -c "SELECT pg_cancel_backend($pid)")" == t ]] && cancels=$((cancels + 1))
  ((i % 10 == 5)) && kill -HUP "$pid"
  sleep 0.1
done
wait_for 180 $db "SELECT pending = 0 FROM pz.loop_status WHERE loop = 'churn'"
expect_equal "worker still the same process after $cancels cancels and 4 reloads" "$pid" "$(worker_pid)"
expect_equal "churn learned each event once" t "$(learned_once churn)"
expect_equal "churn events learned" "20000|20000" \
  "$(q -d $db -c "SELECT joined, examples FROM pz.loop_status WHERE loop = 'churn'")"
canceled=$(grep -c "pz trainer could not train loop \"churn\"" "$PZ_SERVER_LOG" || true)
echo "ok: $canceled steps canceled mid-step, retried by later rounds"
q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name IN ('busy', 'quiet_1', 'quiet_2', 'churn')" >/dev/null
echo "worker_robustness: ok"
