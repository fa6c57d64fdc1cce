-- Times pz_evaluate on a synthetic log of 1,000,000 joined events of 10
-- actions each (psql script, on a database with pz installed; drops and
-- recreates the loop "bench_evaluate"):
--   psql -X -v events=1000000 -f tools/bench_evaluate.sql
-- The events are written straight into pz.events (not through pz_rank, which
-- would take far longer): the logging policy is epsilon-greedy (epsilon 0.2)
-- around a fixed preference, and the reward is a click whose rate depends on
-- the user segment and the item.
\set ON_ERROR_STOP on
\if :{?events}
\else
\set events 1000000
\endif

SELECT pz_drop_loop('bench_evaluate') FROM pz.loops WHERE name = 'bench_evaluate';
SELECT name FROM pz_create_loop('bench_evaluate', '{"reward_wait": "0 seconds"}');

INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at, joined_at, reward, outcome)
SELECT gen_random_uuid(), l.loop_id, timestamptz '2026-01-01' + e.i * interval '1 millisecond',
       jsonb_build_object('user', jsonb_build_object('segment', 's' || e.segment, 'tenure_days', e.i % 90),
                          'device', CASE WHEN e.i % 3 = 0 THEN 'mobile' ELSE 'desktop' END),
       a.actions,
       ARRAY(SELECT 'item' || k FROM generate_series(0, 9) AS k ORDER BY k <> e.chosen, k),
       ARRAY(SELECT CASE WHEN k = e.preferred THEN 0.82 ELSE 0.02 END::float8
               FROM generate_series(0, 9) AS k ORDER BY k <> e.chosen, k),
       array_fill(0::float8, ARRAY[10]),
       'item' || e.chosen, 0, true, timestamptz '2026-01-01', now(),
       CASE WHEN random() < CASE WHEN e.chosen % 5 = e.segment THEN 0.3 ELSE 0.05 END THEN 1 ELSE 0 END,
       'rewarded'
  FROM pz.loops AS l,
       (SELECT jsonb_agg(jsonb_build_object('id', 'item' || k,
                 'features', jsonb_build_object('kind', 'k' || (k % 3), 'price', 10 + k))) AS actions
          FROM generate_series(0, 9) AS k) AS a,
       LATERAL (SELECT g.i, g.i % 5 AS segment, g.i % 10 AS preferred,
                       CASE WHEN random() < 0.8 THEN g.i % 10 ELSE floor(random() * 10)::int END AS chosen
                  FROM generate_series(1, :events) AS g(i)) AS e
 WHERE l.name = 'bench_evaluate';
-- Propensities: 0.8 + 0.2 / 10 for the preferred item, 0.2 / 10 for each other.
ANALYZE pz.events;

\timing on
SELECT policy, estimator, round(value::numeric, 4) AS value, round(ci_low::numeric, 4) AS ci_low,
       round(ci_high::numeric, 4) AS ci_high, events
  FROM pz_evaluate('bench_evaluate');
\timing off
