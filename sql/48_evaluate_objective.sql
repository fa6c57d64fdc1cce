-- pz_evaluate(..., objective): the same log re-scored under another
-- objective, from the raw rewards each event had when it was joined.
-- The log: two actions, a untrained loop (every logged probability 0.5), and
-- the application's baseline a. A chosen a earns a click, a chosen b a
-- purchase. So with n_a, n_b events of each (N in all):
--   the joined rewards (no objective): every event 1: online 1, random IPS
--                    1, baseline IPS 2 n_a/N;
--   {"click": 1}:    online n_a/N, random IPS n_a/N, baseline IPS 2 n_a/N;
--   {"purchase": 1}: online n_b/N, random IPS n_b/N, baseline IPS 0.
-- The baseline wins on clicks, random on purchases.
SELECT name FROM pz_create_loop('objective_scored', '{"reward_wait": "0 seconds"}');
CREATE FUNCTION objective_scored_log() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen record;
BEGIN
    FOR i IN 1..40 LOOP
        SELECT r.event_id, r.action_id INTO chosen
          FROM pz_rank('objective_scored', '{}', '["a", "b"]', '{"baseline": "a"}') r WHERE r.rank = 1;
        PERFORM pz_reward(chosen.event_id, 1, CASE chosen.action_id WHEN 'a' THEN 'click' ELSE 'purchase' END);
    END LOOP;
END
$$;
SELECT objective_scored_log();
-- Joined without training a model: the log stays that of the untrained policy.
SELECT t->'learned' AS learned FROM pz_train('objective_scored') AS t;
SELECT count(*) AS events, bool_and(probabilities[1] = 0.5) AS half_probabilities,
       count(*) FILTER (WHERE chosen_action = 'a') > 0 AND count(*) FILTER (WHERE chosen_action = 'b') > 0 AS both_chosen
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'objective_scored';
-- A purchase after the join was not in the rewards the event had: it does
-- not count when re-scoring.
SELECT pz_reward(e.event_id, 1, 'purchase')
  FROM pz.events e JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'objective_scored' AND e.chosen_action = 'a'
 ORDER BY e.event_id LIMIT 1;

CREATE TEMP TABLE objective_scored_counts AS
SELECT count(*) FILTER (WHERE chosen_action = 'a')::float8 / count(*) AS share_a,
       count(*) FILTER (WHERE chosen_action = 'b')::float8 / count(*) AS share_b
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'objective_scored';
CREATE TEMP TABLE objective_scored_figures AS
SELECT o.name AS objective, r.policy, r.estimator, r.value, r.events
  FROM (VALUES ('joined', NULL::jsonb), ('click', '{"click": 1}'), ('purchase', '{"purchase": 1}')) AS o(name, objective),
       pz_evaluate('objective_scored', objective => o.objective) AS r
 WHERE r.estimator IN ('average', 'ips');
SELECT f.objective, f.policy, f.estimator, f.events,
       abs(f.value - CASE f.objective
           WHEN 'joined' THEN CASE f.policy WHEN 'baseline' THEN 2 * c.share_a ELSE 1 END
           WHEN 'click' THEN CASE f.policy WHEN 'baseline' THEN 2 * c.share_a ELSE c.share_a END
           WHEN 'purchase' THEN CASE f.policy WHEN 'baseline' THEN 0 ELSE c.share_b END
       END) < 1e-9 AS as_expected
  FROM objective_scored_figures f, objective_scored_counts c
 WHERE f.policy IN ('online', 'baseline', 'random')
 ORDER BY 1, 2;
-- The winner of baseline and random differs by objective.
SELECT objective, (array_agg(policy ORDER BY value DESC))[1] AS winner
  FROM objective_scored_figures WHERE policy IN ('baseline', 'random') AND estimator = 'ips' AND objective <> 'joined'
 GROUP BY objective ORDER BY 1;

-- The same figures from the 5-argument calls of 0.1.0, positional and named.
SELECT count(*) AS rows_positional FROM pz_evaluate('objective_scored', NULL, NULL, NULL, 100);
SELECT value AS joined_online FROM pz_evaluate('objective_scored', max_weight => 100)
 WHERE policy = 'online' AND estimator = 'average';

-- A loop with an objective is re-scored by the one given, not its own.
SELECT settings->'objective' AS loop_objective FROM pz_configure_loop('objective_scored', '{"objective": {"click": 1}}');
SELECT abs(r.value - c.share_b) < 1e-9 AS purchase_rescored
  FROM pz_evaluate('objective_scored', objective => '{"purchase": 1}') r, objective_scored_counts c
 WHERE r.policy = 'online';
-- default_reward for events with no reward for a signal of the objective.
SELECT settings->'default_reward' AS default_reward FROM pz_configure_loop('objective_scored', '{"default_reward": -0.5}');
SELECT abs(r.value - (c.share_b - 0.5 * c.share_a)) < 1e-9 AS defaulted_rescored
  FROM pz_evaluate('objective_scored', objective => '{"purchase": 1}') r, objective_scored_counts c
 WHERE r.policy = 'online';

-- A bad objective is refused.
SELECT q AS objective, error_of(format('SELECT count(*) FROM pz_evaluate(%L, objective => %L)', 'objective_scored', q)) AS error
  FROM unnest(ARRAY['{}', '[1]', '{"click": "high"}', '{"click": 5000}']) AS q;

-- Analysts run it; the application role does not.
CREATE ROLE regress_objective_app IN ROLE pz_app;
CREATE ROLE regress_objective_analyst IN ROLE pz_analyst;
SET ROLE regress_objective_app;
SELECT error_of($$SELECT count(*) FROM pz_evaluate('objective_scored', objective => '{"click": 1}')$$) AS app_evaluates;
RESET ROLE;
SET ROLE regress_objective_analyst;
SELECT count(*) > 0 AS analyst_evaluates FROM pz_evaluate('objective_scored', objective => '{"click": 1}');
RESET ROLE;
DROP ROLE regress_objective_app, regress_objective_analyst;
DROP FUNCTION objective_scored_log();
SELECT pz_drop_loop('objective_scored');
