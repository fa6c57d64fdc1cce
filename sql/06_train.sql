-- On-demand learning: join due events to their rewards, train, store a new model version.
SELECT name FROM pz_create_loop('learner', '{"reward_wait": "0 seconds"}');

-- 300 decisions between two actions; the application rewards "apple" only.
-- Event ids are fixed so that the draws, and so the counts, are reproducible.
CREATE FUNCTION simulate(loop text, first integer, last integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen text;
    id uuid;
BEGIN
    FOR i IN first..last LOOP
        id := md5(loop || i)::uuid;
        SELECT action_id INTO chosen
          FROM pz_rank(loop, '{"user": {"segment": "budget"}}',
                       '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}}]',
                       jsonb_build_object('event_id', id))
         WHERE rank = 1;
        IF chosen = 'apple' THEN
            PERFORM pz_reward(id, 1);
        ELSIF i % 2 = 0 THEN
            PERFORM pz_reward(id, 0);  -- the other half of the brick events get no reward: default_reward
        END IF;
    END LOOP;
END
$$;
SELECT simulate('learner', 1, 300);
SELECT count(*) FILTER (WHERE chosen_action = 'apple') AS apples, count(*) AS events FROM pz.events
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'learner');

SELECT pz_train('learner');
SELECT version, examples, length(weights) > 0 AS has_weights, metrics->'learned' AS learned FROM pz.models
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'learner');
SELECT outcome, count(*), avg(reward) FROM pz.events
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'learner') GROUP BY outcome ORDER BY outcome;
-- Nothing due: no new version.
SELECT pz_train('learner') - 'examples';

-- The next rank call scores with the new model: apple first, with probability 1 - 0.2 + 0.2 / 2.
SELECT action_id, rank, probability, score > 0.5 AS likely_rewarded
  FROM pz_rank('learner', '{"user": {"segment": "budget"}}',
               '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}}]',
               '{"event_id": "00000000-0000-4000-8000-0000000000b1"}')
 ORDER BY action_id;
SELECT model_version FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000000b1';
SELECT loop, model_version, bytes > 0 AS has_bytes FROM pz.model_cache WHERE loop = 'learner';

-- A reward after the join is late and not learned.
SELECT pz_train('learner') - 'examples';
SELECT pz_reward(md5('learner' || 1)::uuid, 1);
SELECT loop, model_version, examples, events, pending, joined, skipped, rewards, late_rewards,
       average_reward_hour IS NOT NULL AS has_average, training_lag
  FROM pz.loop_status WHERE loop = 'learner';

-- A deferred event never activated is skipped; its rewards are late.
SELECT pz_configure_loop('learner', '{"default_reward": -0.5}') IS NOT NULL AS configured;
SELECT count(*) FROM pz_rank('learner', '{}', '["apple", "brick"]',
                             '{"event_id": "00000000-0000-4000-8000-0000000000b2", "deferred": true}');
SELECT count(*) FROM pz_rank('learner', '{}', '["apple", "brick"]', '{"event_id": "00000000-0000-4000-8000-0000000000b3"}');
SELECT pz_reward('00000000-0000-4000-8000-0000000000b2', 1);
SELECT pz_train('learner') - 'examples';
SELECT event_id, outcome, reward FROM pz.events
 WHERE event_id IN ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000b2',
                    '00000000-0000-4000-8000-0000000000b3')
 ORDER BY event_id;

-- Reward aggregation: several rewards of one event.
SELECT name FROM pz_create_loop('summed', '{"reward_wait": "0 seconds", "reward_aggregation": "sum"}');
SELECT count(*) FROM pz_rank('summed', '{}', '["x"]', '{"event_id": "00000000-0000-4000-8000-0000000000c1"}');
SELECT count(*) FROM pz_rank('summed', '{}', '["x"]', '{"event_id": "00000000-0000-4000-8000-0000000000c2"}');
SELECT pz_reward('00000000-0000-4000-8000-0000000000c1', 0.75), pz_reward('00000000-0000-4000-8000-0000000000c1', 0.5),
       pz_reward('00000000-0000-4000-8000-0000000000c2', 0.25), pz_reward('00000000-0000-4000-8000-0000000000c2', -0.5);
SELECT pz_train('summed') ->> 'rewarded' AS rewarded;
SELECT event_id, reward FROM pz.events
 WHERE event_id IN ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000c2') ORDER BY event_id;
SELECT settings->>'reward_aggregation' FROM pz_configure_loop('summed', '{"reward_aggregation": "earliest"}');
SELECT count(*) FROM pz_rank('summed', '{}', '["x"]', '{"event_id": "00000000-0000-4000-8000-0000000000c3"}');
SELECT pz_reward('00000000-0000-4000-8000-0000000000c3', -0.25), pz_reward('00000000-0000-4000-8000-0000000000c3', 1);
SELECT pz_train('summed') ->> 'rewarded' AS rewarded;
SELECT reward FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000000c3';

-- Roll back to an earlier version; training then continues from it with a new version number.
SELECT version FROM pz.models WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'learner') ORDER BY version;
SELECT model_version FROM pz_rollback_model('learner', 1);
SELECT simulate('learner', 301, 310);
SELECT pz_train('learner') -> 'model_version' AS new_version;
SELECT model_version FROM pz_rollback_model('learner', 0);
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_rollback_model('learner', 99)$$,
  $$SELECT pz_rollback_model('learner', NULL)$$,
  $$SELECT pz_rollback_model('nope', 1)$$,
  $$SELECT pz_train('nope')$$,
  $$SELECT pz_train(NULL)$$
]) AS q;
-- A version trained for another feature space cannot be made current.
SELECT model_version FROM pz_configure_loop('learner', '{"bits": 12}');
SELECT error_of($$SELECT pz_rollback_model('learner', 1)$$);

-- The trainer's result on a fixed log of 2,500 events over 10 actions (more
-- than one batch of the step): varied rewards, defaulted and skipped events.
-- The weights' digest pins what is learned, so that a faster trainer must
-- learn exactly the same model.
SELECT name FROM pz_create_loop('pinned', '{"reward_wait": "0 seconds"}');
INSERT INTO pz.actions (loop_id, action_hash, action_id, action)
SELECT l.loop_id, pz.action_hash(a.action), pz.action_id(a.action), a.action
  FROM pz.loops AS l,
       (SELECT jsonb_build_object('id', 'item' || k, 'features', jsonb_build_object('kind', 'k' || (k % 3), 'price', 10 + k)) AS action
          FROM generate_series(0, 9) AS k) AS a
 WHERE l.name = 'pinned';
WITH numbers AS (
  SELECT array_agg(a.action_number ORDER BY a.action_id) AS numbers
    FROM pz.actions AS a JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'pinned'),
made AS (
INSERT INTO pz.decisions (event_id, loop_id, created_at, context, candidates, chosen_action, model_version)
SELECT md5('pinned' || e.i)::uuid, l.loop_id, e.at,
       jsonb_build_object('user', jsonb_build_object('segment', 's' || e.i % 5, 'tenure_days', e.i % 90),
                          'device', CASE WHEN e.i % 3 = 0 THEN 'mobile' ELSE 'desktop' END),
       pz.encode_candidates(n.numbers,
           ARRAY(SELECT k + 1 FROM generate_series(0, 9) AS k ORDER BY k <> e.chosen, k),
           ARRAY(SELECT CASE WHEN k = e.chosen THEN 0.82 ELSE 0.02 END::float8
                   FROM generate_series(0, 9) AS k ORDER BY k <> e.chosen, k),
           NULL),
       'item' || e.chosen, 0
  FROM pz.loops AS l, numbers AS n,
       LATERAL (SELECT g.i, (g.i * 7) % 10 AS chosen,
                       timestamptz '2026-01-01' + g.i * interval '1 second' AS at
                  FROM generate_series(1, 2500) AS g(i)) AS e
 WHERE l.name = 'pinned'
RETURNING event_id, loop_id, created_at)
INSERT INTO pz.event_state (event_id, loop_id, created_at, active, activated_at)
SELECT event_id, loop_id, created_at, (hashtext(event_id::text) % 17 <> 0),
       CASE WHEN hashtext(event_id::text) % 17 <> 0 THEN created_at END FROM made;
INSERT INTO pz.rewards (event_id, received_at, value)
SELECT d.event_id, d.created_at + interval '2 seconds', (abs(hashtext(d.event_id::text)) % 5) / 4.0
  FROM pz.decisions AS d JOIN pz.loops AS l USING (loop_id)
 WHERE l.name = 'pinned' AND abs(hashtext(d.event_id::text)) % 3 = 0;
SELECT t->'learned' AS learned, t->'rewarded' AS rewarded, t->'defaulted' AS defaulted, t->'skipped' AS skipped
  FROM pz_train('pinned') AS t;
SELECT m.examples, md5(m.weights) AS weights
  FROM pz.models AS m JOIN pz.loops AS l ON l.loop_id = m.loop_id AND l.model_version = m.version
 WHERE l.name = 'pinned';
SELECT outcome, count(*), sum(reward) FROM pz.events WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'pinned')
 GROUP BY outcome ORDER BY outcome;
