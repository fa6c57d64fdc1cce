-- A loop's counters begin when it is created, so that its first training step
-- does not count its whole log; a loop without them (restored from a dump)
-- is counted from scratch by its first step, as before.

-- Created with counters of nothing.
SELECT name FROM pz_create_loop('first_step', '{"reward_wait": "0 seconds"}');
SELECT rewarded, defaulted, skipped, quarantined, rewards, late_rewards
  FROM pz.loop_counters WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'first_step');

-- Its first step adds what it joined; rewards are counted once a minute old
-- (pz.loop_status counts the newer ones as it reads).
SELECT count(*) FROM pz_rank('first_step', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000007901"}');
SELECT count(*) FROM pz_rank('first_step', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000007902"}');
SELECT count(*) FROM pz_rank('first_step', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000007903"}');
SELECT pz_reward('00000000-0000-4000-8000-000000007901', 1), pz_reward('00000000-0000-4000-8000-000000007902', 0.5);
SELECT pz_train('first_step') - 'model_version' - 'examples' AS counts;
SELECT rewarded, defaulted, skipped, quarantined
  FROM pz.loop_counters WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'first_step');
SELECT loop, events, pending, joined, rewards, late_rewards FROM pz.loop_status WHERE loop = 'first_step';
-- A late reward, then the counters as after a restore (neither table is
-- dumped): the next step counts the log from scratch and agrees.
SELECT pz_reward('00000000-0000-4000-8000-000000007903', 1);
SELECT count(*) FROM pz_rank('first_step', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000007904"}');
DELETE FROM pz.loop_counters WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'first_step');
DELETE FROM pz.loop_reward_minutes WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'first_step');
SELECT pz_train('first_step') - 'model_version' - 'examples' AS counts;
SELECT rewarded, defaulted, skipped, quarantined
  FROM pz.loop_counters WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'first_step');
SELECT loop, events, pending, joined, rewards, late_rewards FROM pz.loop_status WHERE loop = 'first_step';

-- An empty range of rewards, (after, through] with through <= after, counts
-- nothing, whatever the log holds; (0, NULL] counts it from scratch.
SELECT c.* FROM pz.loops AS l, pz.count_rewards(l.loop_id, 0, 0) AS c WHERE l.name = 'first_step';
SELECT c.* FROM pz.loops AS l, pz.count_rewards(l.loop_id, 5, 3) AS c WHERE l.name = 'first_step';
SELECT c.* FROM pz.loops AS l, pz.count_rewards(l.loop_id, 0, NULL) AS c WHERE l.name = 'first_step';
SELECT pz_drop_loop('first_step');
