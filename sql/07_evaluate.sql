-- Offline evaluation: pz_evaluate, pz_optimize, pz_undo_optimization, pz_feature_importance.

-- A hand-made log of two actions, checked against values computed by hand.
SELECT name FROM pz_create_loop('handmade');
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, baseline, joined_at, reward, outcome)
SELECT md5('handmade' || e.n)::uuid, l.loop_id, timestamptz '2026-01-01 00:00' + e.n * interval '1 minute',
       '{"user": {"segment": "budget"}}', '["a", "b"]',
       CASE WHEN e.chosen = 'a' THEN '{a,b}'::text[] ELSE '{b,a}' END, ARRAY[e.p, 1 - e.p], '{0,0}',
       e.chosen, 0, e.outcome IS DISTINCT FROM 'skipped', e.baseline, CASE WHEN e.outcome IS NOT NULL THEN now() END,
       CASE WHEN e.outcome <> 'skipped' THEN e.reward END, e.outcome
  FROM pz.loops AS l,
       (VALUES (1, 'a', 0.5, 1.0, 'a', 'rewarded'),
               (2, 'b', 0.25, 0.0, 'a', 'defaulted'),
               (3, 'a', 0.8, 1.0, 'b', 'rewarded'),
               (4, 'b', 0.5, 0.0, NULL, 'rewarded'),
               (5, 'a', 0.5, 1.0, NULL, 'skipped'),  -- never learned: not evaluated
               (6, 'a', 0.5, 1.0, NULL, NULL))       -- pending: not evaluated
         AS e(n, chosen, p, reward, baseline, outcome)
 WHERE l.name = 'handmade';

-- online: 2 rewards of 4 events. random (pi = 1/2): weights 1, 2, 0.625, 1;
-- IPS = (1 + 0.625) / 4 = 0.40625, SNIPS = 1.625 / 4.625 = 0.3514.
-- baseline (3 events with one): only event 1 showed it: IPS = 2 / 3, SNIPS = 2 / 2.
SELECT policy, estimator, round(value::numeric, 4) AS value, events,
       ci_low <= value AND value <= ci_high AS in_interval
  FROM pz_evaluate('handmade')
 WHERE estimator <> 'dr' ORDER BY policy, estimator;
-- The doubly robust rows exist for every off-policy estimate.
SELECT policy, count(*) FILTER (WHERE estimator = 'dr') AS dr_rows FROM pz_evaluate('handmade')
 GROUP BY policy ORDER BY policy;

-- A window: since is inclusive, until exclusive (events 2 and 3).
SELECT policy, estimator, round(value::numeric, 4) AS value, events
  FROM pz_evaluate('handmade', since => '2026-01-01 00:02', until => '2026-01-01 00:04')
 WHERE policy IN ('online', 'random') AND estimator IN ('average', 'ips');
-- An empty window: no estimate, no error.
SELECT policy, estimator, value, events FROM pz_evaluate('handmade', since => '2030-01-01') ORDER BY 1, 2;

-- Clipping: with max_weight 1.5 the weight 2 of event 2 is cut to 1.5:
-- SNIPS = 1.625 / 4.125 = 0.3939; IPS unchanged (event 2 has no reward).
SELECT estimator, round(value::numeric, 4) AS value
  FROM pz_evaluate('handmade', max_weight => 1.5) WHERE policy = 'random' AND estimator <> 'dr' ORDER BY estimator;
SELECT estimator, round(value::numeric, 4) AS value
  FROM pz_evaluate('handmade', max_weight => 'Infinity') WHERE policy = 'random' AND estimator <> 'dr' ORDER BY estimator;

-- A simulated loop: budget users want apples, premium users clouds.
SELECT name FROM pz_create_loop('shop', '{"reward_wait": "0 seconds"}');
CREATE FUNCTION simulate_shop(first integer, last integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen text;
    id uuid;
    segment text;
BEGIN
    FOR i IN first..last LOOP
        id := md5('shop' || i)::uuid;
        segment := CASE WHEN i % 2 = 0 THEN 'budget' ELSE 'premium' END;
        SELECT action_id INTO chosen
          FROM pz_rank('shop', jsonb_build_object('user', jsonb_build_object('segment', segment)),
                       '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}},
                         {"id": "cloud", "features": {"kind": "air"}}]',
                       jsonb_build_object('event_id', id, 'baseline', 'brick'))
         WHERE rank = 1;
        PERFORM pz_reward(id, CASE WHEN (segment, chosen) IN (('budget', 'apple'), ('premium', 'cloud')) THEN 1 ELSE 0 END);
        IF i % 200 = 0 THEN
            PERFORM pz_train('shop');
        END IF;
    END LOOP;
END
$$;
SELECT simulate_shop(1, 800);
SELECT pz_train('shop')->'learned' AS learned;

-- Every policy with its three estimators; the learned model beats random,
-- and the baseline (brick, never rewarded) is worth nothing.
SELECT policy, estimator, events, ci_low <= value AND value <= ci_high AS in_interval
  FROM pz_evaluate('shop', candidates => '{"linear": {"interactions": []}, "greedy": {"exploration": 0}}')
 ORDER BY policy, estimator;
SELECT (SELECT value FROM pz_evaluate('shop') WHERE policy = 'current' AND estimator = 'dr')
     > (SELECT value FROM pz_evaluate('shop') WHERE policy = 'random' AND estimator = 'dr') + 0.3 AS current_beats_random,
       (SELECT value FROM pz_evaluate('shop') WHERE policy = 'baseline' AND estimator = 'ips') AS baseline_ips;
-- An array of candidates names each by its settings.
SELECT DISTINCT policy FROM pz_evaluate('shop', candidates => '[{"learning_rate": 1}, {"algorithm": "softmax"}]')
 ORDER BY policy;

-- Feature importance: per namespace, then per key of the top namespaces.
-- Without the user's segment nothing can be personalized: the largest loss.
SELECT side, namespace, key, events, loss_ci_low <= loss AND loss <= loss_ci_high AS in_interval
  FROM pz_feature_importance('shop', top => 1) ORDER BY key IS NOT NULL, side, namespace, key;
SELECT side, namespace FROM pz_feature_importance('shop') WHERE key IS NULL ORDER BY loss DESC LIMIT 1;

-- Optimization: the loop's settings ({}) compete with the grid.
SELECT candidate, applied FROM pz_optimize('shop', grid => '{"exploration": [0, 0.2], "interactions": [[]]}')
 ORDER BY candidate::text;
SELECT count(*) AS default_grid_candidates FROM pz_optimize('shop', rank_by => 'snips');
-- Applying: the greedy policy wins here (no exploration cost) and becomes the loop's setting.
SELECT rank, candidate, applied FROM pz_optimize('shop', grid => '[{"exploration": 0}, {"interactions": []}]', apply => true)
 ORDER BY rank;
SELECT settings->'exploration' AS exploration FROM pz.loops WHERE name = 'shop';
SELECT applied_settings, previous_settings->'exploration' AS previous_exploration,
       estimate->>'estimator' AS estimator, undone_at IS NULL AS in_force
  FROM pz.optimizations;
-- Undone: the previous settings come back.
SELECT settings->'exploration' AS exploration FROM pz_undo_optimization('shop');
SELECT undone_at IS NOT NULL AS undone FROM pz.optimizations;
SELECT error_of($$SELECT pz_undo_optimization('shop')$$);

-- Bad arguments: a clear error and nothing written.
SELECT written_rows() AS before, (SELECT count(*) FROM pz.optimizations) AS optimizations \gset
SELECT error_of($$SELECT * FROM pz_evaluate(NULL)$$);
SELECT error_of($$SELECT * FROM pz_evaluate('nope')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', since => '2026-01-02', until => '2026-01-01')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', max_weight => 0)$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', max_weight => 'NaN')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', max_weight => NULL)$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', candidates => '"fast"')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', candidates => '[{"learning_rate": 1}, 3]')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', candidates => '[{"learning_rat": 1}]')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', candidates => '[{"exploration": 2}]')$$);
SELECT error_of($$SELECT * FROM pz_evaluate('shop', candidates => '{"random": {}}')$$);
SELECT error_of($$SELECT * FROM pz_optimize('nope')$$);
SELECT error_of($$SELECT * FROM pz_optimize('shop', grid => '{"learning_rate": 1}')$$);
SELECT error_of($$SELECT * FROM pz_optimize('shop', grid => '7')$$);
SELECT error_of($$SELECT * FROM pz_optimize('shop', rank_by => 'best')$$);
SELECT error_of($$SELECT * FROM pz_optimize('shop', apply => NULL)$$);
SELECT error_of($$SELECT * FROM pz_optimize('shop', grid => '[{"bits": 4}]', apply => true)$$);
SELECT error_of($$SELECT * FROM pz_feature_importance('shop', top => -1)$$);
SELECT error_of($$SELECT * FROM pz_feature_importance('nope')$$);
SELECT written_rows() = :'before' AS nothing_written,
       (SELECT count(*) FROM pz.optimizations) = :optimizations AS no_optimization_recorded;

-- Privileges: analysts evaluate; only admins optimize; applications do neither.
SET ROLE pz_app;
SELECT error_of($$SELECT * FROM pz_evaluate('shop')$$);
RESET ROLE;
SET ROLE pz_analyst;
SELECT count(*) > 0 AS analyst_evaluates FROM pz_evaluate('shop');
SELECT error_of($$SELECT * FROM pz_optimize('shop')$$);
RESET ROLE;
SET ROLE pz_admin;
SELECT count(*) AS admin_optimizes FROM pz_optimize('shop', grid => '[{"exploration": 0.1}]');
RESET ROLE;

SELECT pz_drop_loop('handmade'), pz_drop_loop('shop');
DROP FUNCTION simulate_shop(integer, integer);
