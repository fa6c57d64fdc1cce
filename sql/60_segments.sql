-- pz_segments: the log split by the value of a context path.

-- A hand-made log of two actions: budget has 3 events all rewarded 1, premium
-- 1 event, two events have no user.segment, one was skipped (not evaluated).
SELECT name FROM pz_create_loop('segmented');
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, joined_at, reward, outcome)
SELECT md5('segmented' || e.n)::uuid, l.loop_id, timestamptz '2026-01-01 00:00' + e.n * interval '1 minute',
       e.context::jsonb, '["a", "b"]',
       CASE WHEN e.chosen = 'a' THEN '{a,b}'::text[] ELSE '{b,a}' END, ARRAY[e.p, 1 - e.p], '{0,0}',
       e.chosen, 0, e.outcome <> 'skipped', now(), CASE WHEN e.outcome <> 'skipped' THEN e.reward END, e.outcome
  FROM pz.loops AS l,
       (VALUES (1, '{"user": {"segment": "budget"}, "device": "mobile"}', 'a', 0.5, 1.0, 'rewarded'),
               (2, '{"user": {"segment": "budget"}, "device": "mobile"}', 'b', 0.25, 1.0, 'defaulted'),
               (3, '{"user": {"segment": "budget"}, "device": "desktop"}', 'a', 0.8, 1.0, 'rewarded'),
               (4, '{"user": {"segment": "premium"}, "device": "mobile"}', 'a', 0.5, 0.0, 'rewarded'),
               (5, '{"user": {"tier": 2}, "device": "mobile"}', 'b', 0.5, 0.0, 'rewarded'),
               (6, '{"a.b": {"c": "dotted"}}', 'a', 0.5, 1.0, 'rewarded'),
               (7, '{"user": {"segment": "budget"}}', 'a', 0.5, 0.0, 'skipped'))
         AS e(n, context, chosen, p, reward, outcome)
 WHERE l.name = 'segmented';

-- Segments in text order, the events without a value last (segment NULL).
-- A segment of one event knows only the reward range: [-1, 1]. The model is
-- untrained, so it scores like random: a NOTICE flags every segment.
SELECT segment, events, online, round(current_ci_low::numeric, 4) AS current_ci_low, current_ci_high
  FROM pz_segments('segmented', 'user.segment');
SET client_min_messages = warning;
-- Budget's three rewards are all 1, yet its interval is not [1, 1]: small
-- cohorts get wide intervals (t quantile, spread at least the whole log's).
SELECT events, current_ci_high - current_ci_low > 0.5 AS wide,
       current_ci_low <= current AND current <= current_ci_high AS in_interval
  FROM pz_segments('segmented', 'user.segment') WHERE segment = 'budget';
-- The segments partition the log: their event-weighted means are
-- pz_evaluate's online average and random's and current's doubly robust values.
SELECT e.policy, round(e.value::numeric, 10) = round(s.value::numeric, 10) AS same_as_pz_evaluate
  FROM pz_evaluate('segmented') AS e
  JOIN (SELECT 'online' AS policy, 'average' AS estimator, sum(events * online) / sum(events) AS value
          FROM pz_segments('segmented', 'user.segment')
        UNION ALL
        SELECT 'random', 'dr', sum(events * random) / sum(events) FROM pz_segments('segmented', 'user.segment')
        UNION ALL
        SELECT 'current', 'dr', sum(events * current) / sum(events) FROM pz_segments('segmented', 'user.segment'))
       AS s USING (policy, estimator)
 ORDER BY e.policy;

-- Other paths: a top-level key, a number (its JSON text), a quoted key with a dot.
SELECT segment, events FROM pz_segments('segmented', 'device');
SELECT segment, events FROM pz_segments('segmented', 'user.tier');
SELECT segment, events FROM pz_segments('segmented', '"a.b".c');
-- A window: since inclusive, until exclusive (events 2 and 3); an empty window: no rows.
SELECT segment, events FROM pz_segments('segmented', 'user.segment', '2026-01-01 00:02', '2026-01-01 00:04');
SELECT count(*) AS rows_of_empty_window FROM pz_segments('segmented', 'user.segment', since => '2030-01-01');

-- Errors, and nothing written.
SELECT written_rows() AS before \gset
SELECT error_of($$SELECT * FROM pz_segments('nope', 'user.segment')$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', NULL)$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', '')$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', 'user..segment')$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', 'user."segment')$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', 'usr.segment')$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', 'user.segment', '2026-01-02', '2026-01-01')$$);
SELECT error_of($$SELECT * FROM pz_segments('segmented', 'user.segment', '2026-01-01', '2026-01-01')$$);
-- A path with a value per user (an id) would keep estimators for each: more
-- than 10,000 distinct values is refused.
SELECT name FROM pz_create_loop('ids');
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, joined_at, reward, outcome)
SELECT md5('ids' || i)::uuid, l.loop_id, timestamptz '2026-01-01' + i * interval '1 second', jsonb_build_object('user', jsonb_build_object('id', i)),
       '["a", "b"]', '{a,b}', '{0.5,0.5}', '{0,0}', 'a', 0, true, now(), i % 2, 'rewarded'
  FROM pz.loops AS l, generate_series(1, 10001) AS i WHERE l.name = 'ids';
SELECT written_rows() AS before \gset
SELECT error_of($$SELECT * FROM pz_segments('ids', 'user.id')$$);
SELECT count(*) AS segments_at_the_limit
  FROM pz_segments('ids', 'user.id', until => timestamptz '2026-01-01' + interval '10001 seconds');
SELECT written_rows() = :'before' AS nothing_written;

-- A learned loop: budget users want apples, premium users clouds; then a new
-- segment, students, who want bricks. The model never learned them, so it is
-- not above random there: a NOTICE names the segment.
SELECT name FROM pz_create_loop('cohorts', '{"reward_wait": "0 seconds"}');
CREATE FUNCTION simulate_cohorts(first integer, last integer, segments text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen text;
    id uuid;
    segment text;
BEGIN
    FOR i IN first..last LOOP
        id := md5('cohorts' || i)::uuid;
        segment := segments[1 + i % array_length(segments, 1)];
        SELECT action_id INTO chosen
          FROM pz_rank('cohorts', jsonb_build_object('user', jsonb_build_object('segment', segment)),
                       '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}},
                         {"id": "cloud", "features": {"kind": "air"}}]',
                       jsonb_build_object('event_id', id))
         WHERE rank = 1;
        PERFORM pz_reward(id, CASE WHEN (segment, chosen) IN (('budget', 'apple'), ('premium', 'cloud'),
                                                               ('student', 'brick')) THEN 1 ELSE 0 END);
    END LOOP;
END
$$;
SELECT simulate_cohorts(1, 400, '{budget,premium}');
SELECT pz_train('cohorts')->'learned' AS learned;
SELECT simulate_cohorts(401, 460, '{student}');
-- Training joins the students' events; serving the first model again keeps
-- the model that never learned them.
SELECT pz_train('cohorts')->'learned' AS learned;
SELECT model_version FROM pz_rollback_model('cohorts', 1);
RESET client_min_messages;
SELECT segment, events, round(online::numeric, 3) AS online, round(random::numeric, 3) AS random,
       round(current::numeric, 3) AS current, round(current_ci_low::numeric, 3) AS ci_low,
       round(current_ci_high::numeric, 3) AS ci_high, current > random AS current_above_random,
       current_ci_low <= current AND current <= current_ci_high AS in_interval
  FROM pz_segments('cohorts', 'user.segment');

-- Privileges: analysts and admins read segments; applications do not.
SET ROLE pz_app;
SELECT error_of($$SELECT * FROM pz_segments('cohorts', 'user.segment')$$);
RESET ROLE;
SET ROLE pz_analyst;
SELECT count(*) AS analyst_rows FROM pz_segments('cohorts', 'user.segment');
RESET ROLE;
SET ROLE pz_admin;
SELECT count(*) AS admin_rows FROM pz_segments('cohorts', 'user.segment');
RESET ROLE;

SELECT pz_drop_loop('segmented'), pz_drop_loop('cohorts'), pz_drop_loop('ids');
DROP FUNCTION simulate_cohorts(integer, integer, text[]);
