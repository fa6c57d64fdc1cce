#!/usr/bin/env bash
# auto_optimize in the worker: two loops log 600 decisions each; one explores
# 80% of the time with a clearly better candidate (greedy) in its grid, the
# other (A/A) has only its own settings as candidate. Once auto_optimize is
# set, the worker runs both at once: it applies the greedy candidate to the
# first (recorded in pz.optimizations and pz.auto_optimize_runs, shown by
# pz.loop_status) and changes nothing on the second. Worker's database.
source "$(dirname "$0")/common.sh"
db=postgres
q -d $db -c "CREATE EXTENSION IF NOT EXISTS pz"
q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name IN ('auto_picky', 'auto_aa')" >/dev/null
log_lines_before=$(wc -l <"$PZ_SERVER_LOG")

# 600 decisions over 3 actions; tasteful: budget users click apples and
# premium users clouds, otherwise every action is clicked alike.
visits() {  # loop, exploration, tasteful
  q -d $db -c "SELECT pz_create_loop('$1', '{\"reward_wait\": \"0 seconds\", \"model_update\": \"1 second\",
                                             \"exploration\": $2}')" >/dev/null
  q -d $db <<SQL
DO \$\$
DECLARE
    chosen text;
    id uuid;
    segment text;
BEGIN
    FOR i IN 1..600 LOOP
        id := md5('$1' || i)::uuid;
        segment := CASE WHEN i % 2 = 0 THEN 'budget' ELSE 'premium' END;
        SELECT action_id INTO chosen
          FROM pz_rank('$1', jsonb_build_object('user', jsonb_build_object('segment', segment)),
                       '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}},
                         {"id": "cloud", "features": {"kind": "air"}}]',
                       jsonb_build_object('event_id', id))
         WHERE rank = 1;
        PERFORM pz_reward(id, CASE WHEN $3 THEN ((segment, chosen) IN (('budget', 'apple'), ('premium', 'cloud')))::int
                                   ELSE (hashtext('$1' || i) & 1) END);
    END LOOP;
END
\$\$;
SQL
}
visits auto_picky 0.8 true
visits auto_aa 0.5 false
# The worker learns the log (reward_wait 0), then the first run is due at once.
wait_for 60 $db "SELECT count(*) = 0 FROM pz.events e JOIN pz.loops l USING (loop_id)
                  WHERE l.name IN ('auto_picky', 'auto_aa') AND e.joined_at IS NULL"
q -d $db -c "SELECT pz_configure_loop('auto_picky', '{\"auto_optimize\": \"1 minute\", \"auto_optimize_grid\": [{\"exploration\": 0}]}')" >/dev/null
q -d $db -c "SELECT pz_configure_loop('auto_aa', '{\"auto_optimize\": \"1 minute\", \"auto_optimize_grid\": [{\"exploration\": 0.5}]}')" >/dev/null
wait_for 60 $db "SELECT count(*) = 2 FROM pz.auto_optimize_runs r JOIN pz.loops l USING (loop_id)
                  WHERE l.name IN ('auto_picky', 'auto_aa')"
q -d $db -c "SELECT l.name, r.applied, r.events, r.best_candidate, r.reason
               FROM pz.auto_optimize_runs r JOIN pz.loops l USING (loop_id) ORDER BY l.name"

expect_equal "auto_picky: applied" t \
  "$(q -d $db -c "SELECT r.applied AND o.optimization_id IS NOT NULL AND o.undone_at IS NULL
                    FROM pz.auto_optimize_runs r JOIN pz.loops l USING (loop_id) JOIN pz.optimizations o USING (optimization_id)
                   WHERE l.name = 'auto_picky'")"
expect_equal "auto_picky: exploration after the run" 0 \
  "$(q -d $db -c "SELECT settings->>'exploration' FROM pz.loops WHERE name = 'auto_picky'")"
expect_equal "auto_aa (A/A): applied" f \
  "$(q -d $db -c "SELECT applied FROM pz.auto_optimize_runs r JOIN pz.loops l USING (loop_id) WHERE l.name = 'auto_aa'")"
expect_equal "auto_aa (A/A): optimizations recorded" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.optimizations o JOIN pz.loops l USING (loop_id) WHERE l.name = 'auto_aa'")"
expect_equal "auto_aa (A/A): exploration after the run" 0.5 \
  "$(q -d $db -c "SELECT settings->>'exploration' FROM pz.loops WHERE name = 'auto_aa'")"
expect_equal "pz.loop_status shows both runs" "auto_aa|f|t
auto_picky|t|t" \
  "$(q -d $db -c "SELECT loop, auto_optimize_applied, auto_optimized_at IS NOT NULL FROM pz.loop_status
                   WHERE loop IN ('auto_picky', 'auto_aa') ORDER BY loop")"
if tail -n +"$log_lines_before" "$PZ_SERVER_LOG" | grep -E "could not optimize|auto_optimize of loop|PANIC"; then
  fail "the server log shows a failed auto_optimize run"
fi
q -d $db -c "SELECT pz_drop_loop('auto_picky'), pz_drop_loop('auto_aa')" >/dev/null
echo "auto_optimize: ok (the worker applied the better candidate and left the A/A loop alone)"
