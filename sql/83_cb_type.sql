-- The loop setting cb_type: how the learner weighs a logged action's example,
-- "mtr" (1/p over the mean number of actions per event, the default) or "dm"
-- (every example weighs 1).
SELECT pz.default_settings()->'cb_type' AS default_cb_type;
SELECT settings->'cb_type' AS cb_type FROM pz_create_loop('cb_mtr', '{"reward_wait": "0 seconds"}');
SELECT settings->'cb_type' AS cb_type FROM pz_create_loop('cb_dm', '{"reward_wait": "0 seconds", "cb_type": "dm"}');
SELECT q AS settings, error_of(format('SELECT pz_configure_loop(%L, %L)', 'cb_mtr', q)) AS error FROM unnest(ARRAY[
  '{"cb_type": "ips"}',
  '{"cb_type": "DM"}',
  '{"cb_type": ""}',
  '{"cb_type": 1}',
  '{"cb_type": true}'
]) AS q;
SELECT error_of($$SELECT pz_create_loop('cb_bad', '{"cb_type": "dr"}')$$) AS create_refused;
SELECT count(*) AS cb_bad_loops FROM pz.loops WHERE name = 'cb_bad';
SELECT name, settings->'cb_type' AS cb_type FROM pz.loops WHERE name LIKE 'cb\_%' ORDER BY name;

-- The same two decisions in both loops. First one action (probability 1, one
-- action an event): both weigh the example 1 and learn the same model.
CREATE FUNCTION cb_step(loop text, event integer, actions jsonb, reward float8) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    id uuid := md5(loop || event)::uuid;
    shown text;
BEGIN
    SELECT action_id INTO shown FROM pz_rank(loop, '{"user": {"segment": "budget"}}', actions,
                                             jsonb_build_object('event_id', id, 'exploration', 0))
     WHERE rank = 1;
    PERFORM pz_reward(id, reward);
    PERFORM pz_train(loop);
    RETURN shown;
END
$$;
CREATE FUNCTION cb_score(loop text) RETURNS numeric
LANGUAGE sql AS $$
SELECT round(score::numeric, 6) FROM pz_rank(loop, '{"user": {"segment": "budget"}}', '["apple", "brick"]',
                                              '{"learn": false}') WHERE action_id = 'apple'
$$;
SELECT cb_step('cb_mtr', 1, '["apple"]', 1) AS mtr_shown, cb_step('cb_dm', 1, '["apple"]', 1) AS dm_shown;
SELECT cb_score('cb_mtr') = cb_score('cb_dm') AS same_after_weight_one, cb_score('cb_mtr') > 0 AS learned;
-- Then apple again, the model's best among four (probability 1 with
-- exploration 0), rewarded 0: mtr weighs it (1/1) x 2 events / 5 actions =
-- 0.4, dm 1, so dm's score of apple falls further.
SELECT cb_step('cb_mtr', 2, '["apple", "brick", "cork", "dove"]', 0) AS mtr_shown,
       cb_step('cb_dm', 2, '["apple", "brick", "cork", "dove"]', 0) AS dm_shown;
SELECT cb_score('cb_dm') < cb_score('cb_mtr') AS dm_fell_further, cb_score('cb_mtr') AS mtr_apple, cb_score('cb_dm') AS dm_apple;
SELECT l.name, m.version, m.examples FROM pz.models AS m JOIN pz.loops AS l USING (loop_id)
 WHERE l.name LIKE 'cb\_%' ORDER BY l.name, m.version;

-- A change on a trained loop: the next step learns with the new weighting,
-- from the model as it is; a reset (null) is mtr again.
SELECT settings->'cb_type' AS cb_type FROM pz_configure_loop('cb_mtr', '{"cb_type": "dm"}');
SELECT cb_step('cb_mtr', 3, '["apple", "brick"]', 1) AS shown;
SELECT cb_score('cb_mtr') > 0.091435 AS apple_rose, max(m.version) AS version, max(m.examples) AS examples
  FROM pz.models AS m JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'cb_mtr';
SELECT settings->'cb_type' AS cb_type FROM pz_configure_loop('cb_mtr', '{"cb_type": null}');

-- pz_evaluate and pz_optimize replay it as a candidate.
SELECT policy, estimator, events FROM pz_evaluate('cb_dm', candidates => '{"mtr": {"cb_type": "mtr"}, "dm": {"cb_type": "dm"}}')
 WHERE policy IN ('mtr', 'dm') AND estimator = 'snips' ORDER BY policy;
SELECT candidate, events FROM pz_optimize('cb_dm', grid => '{"cb_type": ["mtr", "dm"]}') ORDER BY candidate::text;
SELECT error_of($$SELECT count(*) FROM pz_optimize('cb_dm', grid => '{"cb_type": ["mtr", "dr"]}')$$) AS bad_candidate;

SELECT pz_drop_loop('cb_mtr'), pz_drop_loop('cb_dm');
DROP FUNCTION cb_step(text, integer, jsonb, float8);
DROP FUNCTION cb_score(text);
