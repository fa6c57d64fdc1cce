-- The trainer reads the rewards of a batch of due events in one query: the
-- range of the rewards' index between the batch's least and greatest event
-- id, or, when that range holds more rows than 4 an event (ids that are not
-- in time order), the batch's ids one by one (and so for the next 15
-- batches). Either way each event gets its
-- own rewards only: none of another loop's event whose id lies between, none
-- received after the step began, slot 1's alone for its reward.
SELECT name FROM pz_create_loop('batch_sum', '{"reward_wait": "0 seconds", "reward_aggregation": "sum", "default_reward": -0.25}');
SELECT name FROM pz_create_loop('batch_other', '{"reward_wait": "0 seconds"}');
SELECT count(*) FROM pz_rank('batch_sum', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000008601"}');
SELECT count(*) FROM pz_rank('batch_other', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000008602"}');
SELECT count(*) FROM pz_rank('batch_sum', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000008603"}');
SELECT count(*) FROM pz_rank('batch_sum', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000008604"}');
SELECT count(*) FROM pz_rank('batch_sum', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000008605", "deferred": true}');
INSERT INTO pz.rewards (event_id, received_at, value, slot)
VALUES ('00000000-0000-4000-8000-000000008601', now() - interval '1 minute', 0.75, NULL),
       ('00000000-0000-4000-8000-000000008601', now() - interval '1 minute', 0.5, 1),       -- summed: capped at 1
       ('00000000-0000-4000-8000-000000008602', now() - interval '1 minute', -1, NULL),     -- the other loop's
       ('00000000-0000-4000-8000-000000008603', now() - interval '1 minute', 1, 2),         -- slot 2 only: defaulted
       ('00000000-0000-4000-8000-000000008604', now() - interval '1 minute', 0.125, NULL),
       ('00000000-0000-4000-8000-000000008604', now() + interval '1 hour', 0.5, NULL),      -- after the step began
       ('00000000-0000-4000-8000-000000008605', now() - interval '1 minute', 1, NULL);      -- skipped: late
SELECT pz_train('batch_sum') - 'model_version' - 'examples' AS counts;
SELECT pz_train('batch_other') - 'model_version' - 'examples' AS counts;
SELECT event_id, outcome, reward FROM pz.events
 WHERE event_id::text LIKE '00000000-0000-4000-8000-00000000860%' ORDER BY event_id;

-- Ids far apart: the range between them holds the rewards of 100 events of
-- another loop (more than 4 rows an event of the batch), so the batch's
-- rewards are read by id, with the same results.
SELECT name FROM pz_create_loop('batch_spread', '{"reward_wait": "0 seconds", "reward_aggregation": "average"}');
SELECT name FROM pz_create_loop('batch_filler', '{"reward_wait": "0 seconds"}');
SELECT count(*) FROM pz_rank('batch_spread', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000008611"}');
SELECT count(*) FROM pz_rank('batch_spread', '{}', '["x", "y"]', '{"event_id": "fffffff0-0000-4000-8000-000000008612"}');
SELECT count(*) FROM pz_rank('batch_spread', '{}', '["x", "y"]', '{"event_id": "fffffff0-0000-4000-8000-000000008613"}');
SELECT sum(n) FROM generate_series(1, 100) AS g(i),
       LATERAL (SELECT count(*) AS n FROM pz_rank('batch_filler', '{}', '["x", "y"]',
                jsonb_build_object('event_id', format('8600%s-0000-4000-8000-000000008600', lpad(g.i::text, 4, '0'))))) AS r;
INSERT INTO pz.rewards (event_id, received_at, value)
SELECT e.event_id, now() - interval '1 minute', 1 FROM pz.events AS e JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'batch_filler';
INSERT INTO pz.rewards (event_id, received_at, value)
VALUES ('00000000-0000-4000-8000-000000008611', now() - interval '1 minute', 0.5),
       ('00000000-0000-4000-8000-000000008611', now() - interval '1 minute', 0),
       ('fffffff0-0000-4000-8000-000000008613', now() - interval '1 minute', -0.5);
SELECT pz_train('batch_spread') - 'model_version' - 'examples' AS counts;
SELECT event_id, outcome, reward FROM pz.events
 WHERE event_id::text LIKE '%-00000000861_' ORDER BY event_id;
SELECT pz_train('batch_filler') ->> 'rewarded' AS filler_rewarded;

-- Two batches (1,100 events) of ids in no order, with 5,000 rewards of
-- another loop's events among them: the first batch's range is read to its
-- bound, then both batches by id. Every event gets the reward its own rows
-- give (sum, capped at 1), or the default.
SELECT name FROM pz_create_loop('batch_runs', '{"reward_wait": "0 seconds", "reward_aggregation": "sum"}');
SELECT sum(n) FROM generate_series(1, 1100) AS g(i),
       LATERAL (SELECT count(*) AS n FROM pz_rank('batch_runs', '{}', '["x", "y"]',
                jsonb_build_object('event_id', md5('batch_runs' || g.i)::uuid))) AS r;
INSERT INTO pz.rewards (event_id, received_at, value)
SELECT e.event_id, now() - interval '1 minute', 0.5
  FROM pz.events AS e JOIN pz.loops AS l USING (loop_id), generate_series(1, 50)
 WHERE l.name = 'batch_filler';
INSERT INTO pz.rewards (event_id, received_at, value)
SELECT md5('batch_runs' || g.i)::uuid, now() - interval '1 minute', (g.i % 4) / 4.0
  FROM generate_series(1, 1100) AS g(i), generate_series(1, 1 + g.i % 2) AS k
 WHERE g.i % 3 = 0;
SELECT t->'joined' AS joined, t->'rewarded' AS rewarded, t->'defaulted' AS defaulted FROM pz_train('batch_runs') AS t;
SELECT count(*) AS wrong_rewards
  FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)
  LEFT JOIN LATERAL (SELECT CASE WHEN count(*) > 0 THEN least(1, sum(r.value)) END AS expected
                       FROM pz.rewards AS r WHERE r.event_id = e.event_id) AS r ON true
 WHERE l.name = 'batch_runs'
   AND (e.reward IS DISTINCT FROM coalesce(r.expected, 0)
        OR e.outcome IS DISTINCT FROM CASE WHEN r.expected IS NULL THEN 'defaulted' ELSE 'rewarded' END);

SELECT pz_drop_loop(name) FROM (VALUES ('batch_sum'), ('batch_other'), ('batch_spread'), ('batch_filler'), ('batch_runs')) AS l(name);
