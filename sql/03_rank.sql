-- Ranking: every action ranked once, exact probabilities, the decision logged.
\set actions '''[{"id": "a", "features": {"category": "toys", "price": 12.5}}, {"id": "b", "features": {"category": "books", "price": 8}}, {"id": "c", "features": {"category": "toys", "price": 30, "tags": ["new", "sale"]}}, "d"]'''

-- An untrained model scores everything 0: epsilon-greedy is then uniform.
SELECT action_id, rank, probability, score
  FROM pz_rank('home_hero', '{"user": {"segment": "budget", "tenure_days": 12}, "device": "mobile"}', :actions,
               '{"event_id": "00000000-0000-4000-8000-000000000001"}')
 ORDER BY rank;
SELECT event_id, context, jsonb_array_length(actions) AS actions, ranking, probabilities, scores,
       chosen_action = ranking[1] AS chosen_first, model_version, active, activated_at = created_at AS activated,
       baseline, joined_at, reward, outcome
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000001';

-- The same event id gives the same draw (learn = false: nothing logged, no event id).
SELECT count(DISTINCT ranking) AS distinct_rankings, count(*) AS draws FROM (
  SELECT array_agg(r.action_id ORDER BY r.rank) AS ranking
    FROM generate_series(1, 20) AS g,
         LATERAL pz_rank('home_hero', jsonb_build_object('draw', g), :actions,
                         '{"event_id": "00000000-0000-4000-8000-0000000000aa", "learn": false}') AS r
   GROUP BY g) AS draws;
SELECT count(*) AS rows, count(event_id) AS event_ids
  FROM pz_rank('home_hero', '{}', :actions, '{"learn": false}');
-- Over many draws every action comes first sometimes.
SELECT count(DISTINCT r.action_id) AS distinct_first, count(*) AS draws
  FROM generate_series(1, 200) AS g,
       LATERAL pz_rank('home_hero', jsonb_build_object('draw', g), :actions, '{"learn": false}') AS r
 WHERE r.rank = 1;
SELECT written_rows();

-- Options: deferred, baseline, excluded.
SELECT count(*) AS rows, bool_and(event_id = '00000000-0000-4000-8000-000000000002') AS same_event
  FROM pz_rank('home_hero', '{}', :actions,
               '{"event_id": "00000000-0000-4000-8000-000000000002", "deferred": true, "baseline": "b", "excluded": ["c", "zzz"]}');
SELECT active, activated_at, baseline, ranking @> '{c}' AS has_c, cardinality(ranking) AS ranked,
       actions @> '[{"id": "c"}]' AS logged_c, jsonb_array_length(actions) AS logged_actions
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000002';

-- A NULL action list (jsonb_agg over no row) ranks nothing and logs nothing.
SELECT count(*) FROM pz_rank('home_hero', '{}', NULL);
SELECT count(*) FROM pz_rank('home_hero', '{}', (SELECT jsonb_agg(x) FROM generate_series(1, 0) AS x));
-- NULL options mean none.
SELECT count(*) FROM pz_rank('home_hero', '{}', '["x", "y"]', NULL);
SELECT written_rows();

-- Integer ids are read as their digits.
SELECT action_id FROM pz_rank('home_hero', '{}', '[{"id": 17}, 42]', '{"learn": false}') ORDER BY action_id;

-- 10,000 actions in one call.
SELECT count(*) AS rows, count(DISTINCT action_id) AS ids, min(rank) AS first, max(rank) AS last,
       abs(sum(probability) - 1) < 1e-9 AS sums_to_one
  FROM pz_rank('home_hero', '{"user": {"segment": "budget"}}',
               (SELECT jsonb_agg(jsonb_build_object('id', 'item' || i, 'features', jsonb_build_object('price', i % 97, 'category', 'c' || i % 13)))
                  FROM generate_series(1, 10000) AS i));

-- A rolled-back transaction leaves no event.
BEGIN;
SELECT count(*) FROM pz_rank('home_hero', '{}', '["x", "y"]', '{"event_id": "00000000-0000-4000-8000-000000000003"}');
ROLLBACK;
SELECT count(*) AS rolled_back_events FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000003';

-- Bad input: a clear error with its SQLSTATE, and nothing written.
SELECT written_rows();
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_rank('nope', '{}', '["a"]')$$,
  $$SELECT pz_rank(NULL, '{}', '["a"]')$$,
  $$SELECT pz_rank('home_hero', NULL, '["a"]')$$,
  $$SELECT pz_rank('home_hero', '[]', '["a"]')$$,
  $$SELECT pz_rank('home_hero', '"text"', '["a"]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[]')$$,
  $$SELECT pz_rank('home_hero', '{}', '{"id": "a"}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a", "a"]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"id": "a"}, "a"]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"features": {}}]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"id": ""}]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"id": 1.5}]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"id": "a", "feature": {}}]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"id": "a", "features": [1]}]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[true]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[["a"]]')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a", "b"]', '{"excluded": ["a", "b"]}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '[]')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"explore": true}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"event_id": "not-a-uuid"}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"event_id": 5}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"deferred": "yes"}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"learn": 0}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"baseline": "z"}')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"excluded": "a"}')$$,
  $$SELECT pz_rank('home_hero', '{"price": 1e400}', '["a"]')$$,
  $$SELECT pz_rank('home_hero', '{}', '[{"id": "a", "features": {"price": -1e400}}]')$$,
  $$SELECT pz_rank('home_hero', '{}', '["a"]', '{"event_id": "00000000-0000-4000-8000-000000000001"}')$$
]) AS q;
SELECT written_rows();

-- Event ids that pz makes are version 7 (time first): they grow with time.
-- (Rolled back: the later tests count the events.)
BEGIN;
CREATE TEMP TABLE ids AS
SELECT (SELECT event_id FROM pz_rank('home_hero', '{}', '["a", "b"]') LIMIT 1) AS first_id;
SELECT pg_sleep(0.002);
SELECT substr(first_id::text, 15, 1) AS version,
       first_id < (SELECT event_id FROM pz_rank('home_hero', '{}', '["a", "b"]') LIMIT 1) AS grows,
       abs(extract(epoch FROM now()) * 1000
           - ('x' || replace(substr(first_id::text, 1, 13), '-', ''))::bit(48)::bigint) < 60000 AS is_now
  FROM ids;
ROLLBACK;
