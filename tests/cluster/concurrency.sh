#!/usr/bin/env bash
# 16 pgbench clients rank and reward on 3 loops while the background worker
# trains every second: no error, no deadlock, and exact counts afterwards
# (every rank logged once, every reward once, every joined event learned once).
# Loop n's rank-and-reward calls show n slots and reward the last one: each
# slot is one example, learned once.
# Usage: concurrency.sh [seconds, default 60]. Runs in the worker's database.
# PZ_LOGGING=buffered: the loops log through the queue (concurrency_buffered.sh).
source "$(dirname "$0")/common.sh"
seconds=${1:-60}
logging=${PZ_LOGGING:-transactional}
db=postgres
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"

q -d $db -c "CREATE EXTENSION IF NOT EXISTS pz"
for loop in 1 2 3; do
  q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name = 'concurrent_$loop'" >/dev/null
  q -d $db -c "SELECT pz_create_loop('concurrent_$loop', '{\"reward_wait\": \"1 second\", \"model_update\": \"1 second\", \"logging\": \"$logging\"}')" >/dev/null
done

cat >"$work/rank_and_reward.sql" <<'SQL'
\set loop random(1, 3)
\set user random(1, 50)
SELECT pz_reward(event_id, (random() * 2 - 1)::float8, NULL, :loop)
  FROM pz_rank('concurrent_' || :loop, jsonb_build_object('user', jsonb_build_object('id', 'u' || :user, 'tier', :user % 4)),
               '[{"id": "a", "features": {"c": "x"}}, {"id": "b", "features": {"c": "y"}}, {"id": "c", "features": {"c": "z"}}, "d"]',
               jsonb_build_object('slots', :loop))
 WHERE rank = 1;
SQL
cat >"$work/rank_only.sql" <<'SQL'
\set loop random(1, 3)
SELECT count(*) FROM pz_rank('concurrent_' || :loop, '{"device": "mobile"}', '["a", "b", "c", "d", "e"]');
SQL

log_lines_before=$(wc -l <"$PZ_SERVER_LOG")
runuser -u postgres -- pgbench -h "$PGHOST" -p "$PGPORT" -n -c 16 -j 2 -T "$seconds" \
  -f "$work/rank_and_reward.sql@3" -f "$work/rank_only.sql@1" $db >"$work/pgbench.out" 2>&1 \
  || { cat "$work/pgbench.out"; fail "pgbench reported errors"; }
grep -E "^(number of transactions actually processed|number of failed|tps)" "$work/pgbench.out"
processed=$(grep -oE "number of transactions actually processed: [0-9]+" "$work/pgbench.out" | grep -oE "[0-9]+$")
failed=$(grep -oE "number of failed transactions: [0-9]+" "$work/pgbench.out" | head -1 | grep -oE "[0-9]+$" || echo 0)
expect_equal "failed transactions" 0 "$failed"

in_loops="(SELECT loop_id FROM pz.loops WHERE name LIKE 'concurrent\_%')"
# Buffered: every acknowledged event is written by the logger, none directly.
if [[ $logging == buffered ]]; then
  wait_for 30 $db "SELECT queued = 0 FROM pz.log_queue"
  expect_equal "events written directly or failed" 0 "$(q -d $db -c "SELECT written_directly + failed FROM pz.log_queue")"
fi
expect_equal "events logged (one per transaction)" "$processed" \
  "$(q -d $db -c "SELECT count(*) FROM pz.events WHERE loop_id IN $in_loops")"
# Rank-and-reward transactions have a user in their context; each must have exactly one reward.
expect_equal "rank-and-reward events without exactly one reward" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.events e WHERE e.loop_id IN $in_loops AND e.context ? 'user'
                    AND (SELECT count(*) FROM pz.rewards r WHERE r.event_id = e.event_id) <> 1")"
expect_equal "rewards on rank-only events" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.rewards r JOIN pz.events e USING (event_id)
                    WHERE e.loop_id IN $in_loops AND NOT e.context ? 'user'")"
rank_and_reward=$(q -d $db -c "SELECT count(*) FROM pz.events WHERE loop_id IN $in_loops AND context ? 'user'")
rank_only=$((processed - rank_and_reward))

# The worker catches up: nothing pending, and each model learned each joined event once.
wait_for 60 $db "SELECT count(*) = 0 FROM pz.events WHERE loop_id IN $in_loops AND joined_at IS NULL"
wait_learned_once $db 30 'concurrent\_%'
expect_equal "slot rewards joined per slot" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.events e WHERE e.loop_id IN $in_loops AND e.context ? 'user'
                    AND e.slot_rewards[cardinality(e.slot_probabilities)] IS DISTINCT FROM
                        (SELECT r.value FROM pz.rewards r WHERE r.event_id = e.event_id)")"
echo "ok: every joined event learned exactly once, each slot once"
versions=$(q -d $db -c "SELECT string_agg(model_version::text, ',' ORDER BY name) FROM pz.loops WHERE name LIKE 'concurrent\_%'")
echo "model versions trained meanwhile: $versions"
if tail -n +"$log_lines_before" "$PZ_SERVER_LOG" | grep -E "deadlock detected|server process .* was terminated|PANIC"; then
  fail "the server log shows a deadlock or a crash"
fi
echo "concurrency ($logging logging): ok ($rank_and_reward rank+reward and $rank_only rank-only transactions by 16 clients in ${seconds}s)"
