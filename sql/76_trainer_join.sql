-- The trainer's read of each event's rewards (reward_aggregation "earliest")
-- and its write of the join.

-- pz.earliest_reward: the value of the reward with the least (received_at,
-- reward_id); NULL for no row; rows with a NULL argument are passed over.
SELECT pz.earliest_reward(v, t, id) AS earliest
  FROM (VALUES (0.5, '2026-01-01 00:00:02+00'::timestamptz, 1::bigint),
               (-1, '2026-01-01 00:00:01+00', 7),
               (0.25, '2026-01-01 00:00:01+00', 3),
               (1, '2026-01-01 00:00:03+00', 2)) AS r(v, t, id);
SELECT pz.earliest_reward(v, t, id) AS none FROM (VALUES (1::float8, now(), 1::bigint)) AS r(v, t, id) WHERE false;
SELECT pz.earliest_reward(v, t, id) AS nulls_passed_over
  FROM (VALUES (NULL::float8, '2026-01-01'::timestamptz, 1::bigint), (0.75, '2026-01-02', 2),
               (1, NULL, 3), (0.5, '2026-01-03', NULL)) AS r(v, t, id);
SELECT k, pz.earliest_reward(v, t, id) FILTER (WHERE v > 0) AS first_positive
  FROM (VALUES (1, -0.5, '2026-01-01'::timestamptz, 1::bigint), (1, 0.5, '2026-01-02', 2), (2, -1, '2026-01-01', 3)) AS r(k, v, t, id)
 GROUP BY k ORDER BY k;
-- Internal: not for PUBLIC.
SELECT has_function_privilege('public', 'pz.earliest_reward(float8, timestamptz, bigint)', 'execute') AS public_may;

-- The trainer learns the earliest reward: the least received_at, then the
-- least reward_id (rewards written directly, with equal times).
SELECT name FROM pz_create_loop('earliest', '{"reward_wait": "0 seconds", "reward_aggregation": "earliest"}');
SELECT count(*) FROM pz_rank('earliest', '{}', '["x"]', '{"event_id": "00000000-0000-4000-8000-000000007601"}');
SELECT count(*) FROM pz_rank('earliest', '{}', '["x"]', '{"event_id": "00000000-0000-4000-8000-000000007602"}');
SELECT count(*) FROM pz_rank('earliest', '{}', '["x"]', '{"event_id": "00000000-0000-4000-8000-000000007603"}');
INSERT INTO pz.rewards (event_id, received_at, value)
VALUES ('00000000-0000-4000-8000-000000007601', now() - interval '1 minute', 0.25),
       ('00000000-0000-4000-8000-000000007601', now() - interval '2 minutes', -0.5),
       ('00000000-0000-4000-8000-000000007602', now() - interval '1 minute', 0.75),
       ('00000000-0000-4000-8000-000000007602', now() - interval '1 minute', 0.125);
SELECT pz_train('earliest') - 'model_version' - 'examples' AS counts;
SELECT event_id, outcome, reward FROM pz.events
 WHERE event_id::text LIKE '00000000-0000-4000-8000-00000000760%' ORDER BY event_id;
SELECT pz_drop_loop('earliest');

-- The primary key of pz.event_state keeps room for the join's second entry
-- of each event.
SELECT c.relname, c.reloptions FROM pg_class AS c WHERE c.oid = 'pz.event_state_pkey'::regclass;
