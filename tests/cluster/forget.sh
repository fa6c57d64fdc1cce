#!/usr/bin/env bash
# Forgetting under load: 8 pgbench clients rank and reward for 50 subjects on
# two loops while the worker trains every second; then subject u1 stops and is
# forgotten while the others go on. Afterwards no row of u1 remains, every row
# of the others logged before is untouched, pz_retrain gives a model whose
# example count equals the kept joined events, and a dump restored into
# another database still finds its subjects. Usage: forget.sh [seconds of
# load per phase, default 10]. Runs in the worker's database.
source "$(dirname "$0")/common.sh"
seconds=${1:-10}
db=postgres
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"

q -d $db -c "CREATE EXTENSION IF NOT EXISTS pz"
for loop in forget_a forget_b; do
  q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name = '$loop'" >/dev/null
  q -d $db -c "SELECT pz_create_loop('$loop', '{\"reward_wait\": \"1 second\", \"model_update\": \"1 second\"}')" >/dev/null
done
in_loops="(SELECT loop_id FROM pz.loops WHERE name LIKE 'forget\_%')"

# first_user: the lowest subject number ranked (2 once u1 has stopped).
cat >"$work/rank_and_reward.sql" <<'SQL'
\set loop random(1, 2)
\set user random(:first_user, 50)
SELECT pz_reward(event_id, (random() * 2 - 1)::float8)
  FROM pz_rank(CASE WHEN :loop = 1 THEN 'forget_a' ELSE 'forget_b' END,
               jsonb_build_object('user', jsonb_build_object('tier', :user % 4)),
               '[{"id": "a", "features": {"c": "x"}}, {"id": "b", "features": {"c": "y"}}, "c"]',
               jsonb_build_object('subject', 'u' || :user))
 WHERE rank = 1;
SQL
load() {  # first_user, output file
  runuser -u postgres -- pgbench -h "$PGHOST" -p "$PGPORT" -n -c 8 -j 2 -R 300 -T "$seconds" -D first_user="$1" \
    -f "$work/rank_and_reward.sql" $db >"$2" 2>&1 || { cat "$2"; fail "pgbench reported errors"; }
  grep -E "^number of (transactions actually processed|failed)" "$2"
}
log_lines_before=$(wc -l <"$PZ_SERVER_LOG")

load 1 "$work/phase1.out"
# What the superuser can see: each event's subject, through the hash.
q -d $db -c "DROP TABLE IF EXISTS forget_subjects" -c "CREATE TABLE forget_subjects AS
  SELECT 'u' || i AS subject, pz.subject_hash('u' || i, k.key) AS hash
    FROM generate_series(1, 50) AS i, pz.subject_keys AS k"
of_u1="subject_hash IN (SELECT hash FROM forget_subjects WHERE subject = 'u1')"
u1_events=$(q -d $db -c "SELECT count(*) FROM pz.events WHERE $of_u1")
u1_rewards=$(q -d $db -c "SELECT count(*) FROM pz.rewards WHERE event_id IN (SELECT event_id FROM pz.events WHERE $of_u1)")
[[ $u1_events -gt 0 ]] || fail "u1 has no events to forget"
# A fingerprint of every row of the others (events as logged, rewards) so far.
others() {
  q -d $db -c "SELECT count(*) || ' ' || md5(string_agg(x, '|' ORDER BY x)) FROM (
      SELECT format('%s %s %s %s', e.event_id, e.created_at, e.context, e.subject_hash) FROM pz.events e
       WHERE e.loop_id IN $in_loops AND e.created_at < '$1' AND NOT e.$of_u1
      UNION ALL SELECT format('%s %s %s', r.reward_id, r.event_id, r.value) FROM pz.rewards r JOIN pz.events e USING (event_id)
       WHERE e.loop_id IN $in_loops AND e.created_at < '$1' AND NOT e.$of_u1) AS t(x)"
}
cutoff=$(q -d $db -c "SELECT now()")
others_before=$(others "$cutoff")

# u1 stops; the others keep ranking while u1 is forgotten.
load 2 "$work/phase2.out" &
loader=$!
sleep 3
forgotten=$(q -d $db -c "SELECT pz_forget('u1')")
wait "$loader" || fail "phase 2 failed"
expect_equal "pz_forget('u1')" "{\"loops\": [\"forget_a\", \"forget_b\"], \"events\": $u1_events, \"rewards\": $u1_rewards}" \
  "$forgotten"
expect_equal "events of u1 left" 0 "$(q -d $db -c "SELECT count(*) FROM pz.events WHERE $of_u1")"
expect_equal "rows of the others logged before, untouched" "$others_before" "$(others "$cutoff")"
expect_equal "rewards left without their event" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.rewards r WHERE NOT EXISTS (SELECT FROM pz.events e WHERE e.event_id = r.event_id)")"

# Retraining: the new model learned exactly the kept joined events.
wait_for 30 $db "SELECT count(*) = 0 FROM pz.events WHERE loop_id IN $in_loops AND joined_at IS NULL"
for loop in forget_a forget_b; do
  retrained=$(q -d $db -c "SELECT pz_retrain('$loop') ->> 'examples'")
  expect_equal "examples after pz_retrain('$loop') = kept joined events" \
    "$(q -d $db -c "SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id)
                     WHERE l.name = '$loop' AND e.outcome IN ('rewarded', 'defaulted')")" "$retrained"
done

# A restored dump keeps the key: its subjects are still found.
runuser -u postgres -- pg_dump -h "$PGHOST" -p "$PGPORT" -Fc -d $db -f "$work/pz.dump"
q -d postgres -c "DROP DATABASE IF EXISTS pz_forget_restored WITH (FORCE)" -c "CREATE DATABASE pz_forget_restored"
runuser -u postgres -- pg_restore -h "$PGHOST" -p "$PGPORT" --exit-on-error -d pz_forget_restored "$work/pz.dump"
u2_events=$(q -d $db -c "SELECT count(*) FROM pz.events WHERE subject_hash IN (SELECT hash FROM forget_subjects WHERE subject = 'u2')")
expect_equal "keys after restore (the dumped one and a new one)" 2 "$(q -d pz_forget_restored -c "SELECT count(*) FROM pz.subject_keys")"
expect_equal "u2's events forgotten in the restored database" "$u2_events" \
  "$(q -d pz_forget_restored -c "SELECT pz_forget('u2') ->> 'events'")"
q -d postgres -c "DROP DATABASE pz_forget_restored WITH (FORCE)"

if tail -n +"$log_lines_before" "$PZ_SERVER_LOG" | grep -E "deadlock detected|server process .* was terminated|PANIC"; then
  fail "the server log shows a deadlock or a crash"
fi
q -d $db -c "DROP TABLE forget_subjects" -c "SELECT pz_drop_loop('forget_a'), pz_drop_loop('forget_b')" >/dev/null
echo "forget: ok ($u1_events events and $u1_rewards rewards of u1 forgotten under load; others untouched)"
