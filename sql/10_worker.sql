-- The trainer never stalls: events that cannot be learned are quarantined,
-- settings missing from a loop take their defaults, and pz.loop_status is
-- answered from the trainer's counters.
SELECT name FROM pz_create_loop('poisoned', '{"reward_wait": "0 seconds"}');
SELECT count(*) FROM generate_series(1, 4) AS g,
       LATERAL pz_rank('poisoned', '{"user": {"s": "x"}}', '["a", "b"]',
                       jsonb_build_object('event_id', format('00000000-0000-4000-8000-0000000001%s', lpad(g::text, 2, '0')))) AS r;
SELECT pz_reward('00000000-0000-4000-8000-000000000101', 1), pz_reward('00000000-0000-4000-8000-000000000102', 1);
-- Two poisoned events: a chosen action missing from its actions, a probability of 0.
UPDATE pz.events SET chosen_action = 'ghost', ranking[1] = 'ghost'
 WHERE event_id = '00000000-0000-4000-8000-000000000102';
UPDATE pz.events SET probabilities[1] = 0 WHERE event_id = '00000000-0000-4000-8000-000000000103';
-- The step learns the other two, quarantines these, and says why.
SELECT pz_train('poisoned') - 'examples';
SELECT event_id, outcome, reward, joined_at IS NOT NULL AS joined FROM pz.events
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'poisoned') ORDER BY event_id;
-- Never retried; their rewards (late ones) are not learned either.
SELECT pz_reward('00000000-0000-4000-8000-000000000103', 1);
SELECT pz_train('poisoned') ->> 'joined' AS joined_again;
SELECT loop, events, pending, joined, skipped, quarantined, rewards, late_rewards, examples
  FROM pz.loop_status WHERE loop = 'poisoned';
SELECT rewarded, defaulted, skipped, quarantined FROM pz.loop_counters
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'poisoned');

-- Counters and the rewards not counted yet: pending events and new rewards
-- show at once, before any training step.
SELECT count(*) FROM pz_rank('poisoned', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000000110"}');
SELECT pz_reward('00000000-0000-4000-8000-000000000110', 0.5), pz_reward('00000000-0000-4000-8000-000000000101', 0.5);
SELECT loop, events, pending, joined, rewards, late_rewards FROM pz.loop_status WHERE loop = 'poisoned';
SELECT pz_train('poisoned') ->> 'rewarded' AS rewarded;
SELECT loop, events, pending, joined, rewards, late_rewards FROM pz.loop_status WHERE loop = 'poisoned';

-- Settings missing from a loop's row (or JSON null) take their defaults.
SELECT count(*) FROM pz_rank('poisoned', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000000111"}');
UPDATE pz.loops SET settings = settings - 'models_kept' - 'reward_aggregation' || '{"default_reward": null}'
 WHERE name = 'poisoned';
SELECT pz_train('poisoned') -> 'defaulted' AS defaulted;
SELECT model_version, (SELECT count(*) FROM pz.models m WHERE m.loop_id = l.loop_id AND m.version = l.model_version) AS kept
  FROM pz.loops l WHERE name = 'poisoned';
-- A reward_wait with no value anywhere is refused, not guessed.
BEGIN;
UPDATE pz.loops SET settings = settings - 'reward_wait' WHERE name = 'poisoned';
DELETE FROM pz.setting_rules WHERE key = 'reward_wait';
SELECT error_of($$SELECT pz_train('poisoned')$$);
ROLLBACK;
-- models_kept below 1 would prune the version just stored.
BEGIN;
UPDATE pz.loops SET settings = settings || '{"models_kept": 0}' WHERE name = 'poisoned';
SELECT error_of($$SELECT pz_train('poisoned')$$);
ROLLBACK;

-- model_update: at least a second.
SELECT error_of($$SELECT pz_configure_loop('poisoned', '{"model_update": "500 milliseconds"}')$$);
SELECT error_of($$SELECT pz_create_loop('spinning', '{"model_update": "1 microsecond"}')$$);
SELECT settings ->> 'model_update' AS model_update
  FROM pz_configure_loop('poisoned', '{"model_update": "1 second"}');
SELECT pz_drop_loop('poisoned');
SELECT count(*) AS counters_left FROM pz.loop_counters
 WHERE loop_id NOT IN (SELECT loop_id FROM pz.loops);

-- An installation of 0.1.0 with a log, and the update counts that log:
-- pz.loop_status says what the 0.1.0 view said. This library refuses to run
-- on 0.1.0's SQL objects, so the log is written here as 0.1.0's pz_rank,
-- pz_reward and pz_train left it (tests/cluster/upgrade.sh uses the real
-- 0.1.0 library): two rewarded events, a deferred one skipped, one pending,
-- and two late rewards.
\set regress_database :DBNAME
CREATE DATABASE pz_regress_counters;
\c pz_regress_counters
CREATE EXTENSION pz VERSION '0.1.0';
SELECT name FROM pz_create_loop('old', '{"reward_wait": "0 seconds"}');
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at, joined_at, reward, outcome)
SELECT ('00000000-0000-4000-8000-00000000020' || n)::uuid, l.loop_id, now() - interval '1 minute',
       '{}', '["a", "b"]', '{a,b}', '{0.9,0.1}', '{0,0}', 'a', 0, n <> 3,
       CASE WHEN n <> 3 THEN now() - interval '1 minute' END,
       CASE WHEN n < 4 THEN now() - interval '30 seconds' END,
       CASE WHEN n < 3 THEN 1 END,
       CASE WHEN n < 3 THEN 'rewarded' WHEN n = 3 THEN 'skipped' END
  FROM pz.loops AS l, generate_series(1, 4) AS n WHERE l.name = 'old';
INSERT INTO pz.rewards (event_id, received_at, value)
VALUES ('00000000-0000-4000-8000-000000000201', now() - interval '50 seconds', 1),
       ('00000000-0000-4000-8000-000000000202', now() - interval '50 seconds', 1),
       ('00000000-0000-4000-8000-000000000203', now() - interval '50 seconds', 1),
       ('00000000-0000-4000-8000-000000000201', now() - interval '10 seconds', 0.5);
CREATE TABLE status_before AS SELECT * FROM pz.loop_status;
ALTER EXTENSION pz UPDATE;
SELECT loop, events, pending, joined, skipped, rewards, late_rewards, quarantined, examples,
       average_reward_hour, average_reward_day FROM pz.loop_status;
SELECT (SELECT row(loop, model_version, trained_at, examples, events, pending, joined, skipped, rewards,
                   late_rewards, average_reward_hour, average_reward_day) FROM status_before)
     = (SELECT row(loop, model_version, trained_at, examples, events, pending, joined, skipped, rewards,
                   late_rewards, average_reward_hour, average_reward_day) FROM pz.loop_status) AS same_as_before;
\c :regress_database
DROP DATABASE pz_regress_counters;
