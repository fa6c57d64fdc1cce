#!/usr/bin/env bash
# Retention under load: 8 pgbench clients rank and reward on a loop whose
# retention (3 s) is shorter than its reward wait (8 s), while the worker
# trains and applies retention every second. Pending events older than the
# retention exist all along and none is deleted (the model learns every event
# once, before retention deletes it); the log's row count stays flat; at the
# end every event and its rewards are gone, and no reward is left without its
# event. Usage: retention.sh [seconds of load, default 40]. Worker's database.
source "$(dirname "$0")/common.sh"
seconds=${1:-40}
db=postgres
loop=retention_load
work=$(mktemp -d)
trap 'kill "$sampler" 2>/dev/null || true; rm -rf "$work"' EXIT
chmod 777 "$work"

q -d $db -c "CREATE EXTENSION IF NOT EXISTS pz"
q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name = '$loop'" >/dev/null
q -d $db -c "SELECT pz_create_loop('$loop', '{\"reward_wait\": \"8 seconds\", \"model_update\": \"1 second\",
                                              \"retention\": \"3 seconds\"}')" >/dev/null
in_loop="loop_id = (SELECT loop_id FROM pz.loops WHERE name = '$loop')"

cat >"$work/rank_and_reward.sql" <<SQL
\set user random(1, 200)
SELECT pz_reward(event_id, (random() * 2 - 1)::float8)
  FROM pz_rank('$loop', jsonb_build_object('user', jsonb_build_object('id', 'u' || :user, 'tier', :user % 4)),
               '[{"id": "a", "features": {"c": "x"}}, {"id": "b", "features": {"c": "y"}}, "c", "d"]')
 WHERE rank = 1;
SQL

# Every second: elapsed seconds, live events, pending ones, pending ones older
# than the retention, and the bytes of pz.events and pz.rewards.
sample() {
  local started=$SECONDS
  while :; do
    q -d $db -F ' ' -c "SELECT $((SECONDS - started)), count(*), count(*) FILTER (WHERE joined_at IS NULL),
                               count(*) FILTER (WHERE joined_at IS NULL AND created_at < now() - interval '3 seconds'),
                               pg_total_relation_size('pz.decisions') + pg_total_relation_size('pz.event_state') + pg_total_relation_size('pz.actions'), pg_total_relation_size('pz.rewards')
                          FROM pz.events WHERE $in_loop" || true
    sleep 1
  done
}
sample >"$work/samples" &
sampler=$!

log_lines_before=$(wc -l <"$PZ_SERVER_LOG")
runuser -u postgres -- pgbench -h "$PGHOST" -p "$PGPORT" -n -c 8 -j 2 -R 200 -T "$seconds" \
  -f "$work/rank_and_reward.sql" $db >"$work/pgbench.out" 2>&1 \
  || { cat "$work/pgbench.out"; fail "pgbench reported errors"; }
kill "$sampler"
grep -E "^(number of transactions actually processed|number of failed|tps)" "$work/pgbench.out"
processed=$(grep -oE "number of transactions actually processed: [0-9]+" "$work/pgbench.out" | grep -oE "[0-9]+$")
failed=$(grep -oE "number of failed transactions: [0-9]+" "$work/pgbench.out" | head -1 | grep -oE "[0-9]+$" || echo 0)
expect_equal "failed transactions" 0 "$failed"

echo "seconds events pending pending_past_retention events_bytes rewards_bytes"
awk 'NR % 5 == 1' "$work/samples"
# The scenario must really hold pending events older than the retention.
old_pending=$(awk '$4 > max { max = $4 } END { print max + 0 }' "$work/samples")
[[ $old_pending -gt 0 ]] || fail "no pending event ever outlived the retention: the scenario tests nothing"
echo "ok: up to $old_pending pending events older than the retention at once"
# Flat: once events reach the age of the reward wait plus the retention (11 s),
# the live rows no longer grow: the last sample of the load is within 1.5
# times the first one past 15 s.
read -r first_steady last_steady < <(awk -v end=$((seconds - 1)) \
  '$1 >= 15 && $1 <= end { if (first == "") first = $2; last = $2 } END { print first, last }' "$work/samples")
[[ -n "$first_steady" && -n "$last_steady" ]] || fail "too few samples past 15 s"
(( last_steady * 2 <= first_steady * 3 )) || fail "the log kept growing: $first_steady events at 15 s, $last_steady at the end"
echo "ok: live events flat at steady state ($first_steady at 15 s, $last_steady at the end of the load)"

# The worker catches up: every event joined, learned once, then deleted.
wait_for 60 $db "SELECT count(*) = 0 FROM pz.events WHERE $in_loop"
expect_equal "examples learned (every ranked event, once, before its deletion)" "$processed" \
  "$(q -d $db -c "SELECT m.examples FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version
                   WHERE l.name = '$loop'")"
expect_equal "rewards left without their event" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.rewards r WHERE NOT EXISTS (SELECT FROM pz.events e WHERE e.event_id = r.event_id)")"
if tail -n +"$log_lines_before" "$PZ_SERVER_LOG" | grep -E "deadlock detected|could not|server process .* was terminated|PANIC"; then
  fail "the server log shows a failed step, a deadlock or a crash"
fi
q -d $db -c "SELECT pz_drop_loop('$loop')" >/dev/null
echo "retention: ok ($processed events ranked and rewarded in ${seconds}s, all learned, then deleted)"
