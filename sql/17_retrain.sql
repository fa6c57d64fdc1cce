-- pz_retrain: a new model version learned from scratch on the kept joined log,
-- so that deleted events (pz_forget, retention) stop influencing the model.
SELECT name FROM pz_create_loop('relearn', '{"reward_wait": "0 seconds"}');

-- 40 decisions in two batches; apple is rewarded, brick half the time
-- rewarded 0, else left to the default reward. Fixed event ids: fixed draws.
CREATE FUNCTION decide(first integer, last integer, subject text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen text;
    id uuid;
BEGIN
    FOR i IN first..last LOOP
        id := md5('relearn' || i)::uuid;
        SELECT action_id INTO chosen
          FROM pz_rank('relearn', '{"user": {"segment": "budget"}}',
                       '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}}]',
                       jsonb_build_object('event_id', id, 'subject', subject))
         WHERE rank = 1;
        IF chosen = 'apple' THEN
            PERFORM pz_reward(id, 1);
        ELSIF i % 2 = 0 THEN
            PERFORM pz_reward(id, 0);
        END IF;
    END LOOP;
END
$$;
SELECT decide(1, 20, 'mallory');
SELECT pz_train('relearn') ->> 'learned' AS learned;
SELECT decide(21, 40, NULL);
SELECT pz_train('relearn') ->> 'learned' AS learned;

-- Retraining the whole log reproduces the model that training built step by
-- step (the same events, learned in the same order).
SELECT pz_retrain('relearn');
SELECT m.version, m.examples, m.metrics ->> 'retrained' AS retrained,
       m.weights = (SELECT p.weights FROM pz.models p WHERE p.loop_id = m.loop_id AND p.version = 2) AS same_as_v2
  FROM pz.models AS m JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'relearn' ORDER BY m.version;
SELECT model_version FROM pz.loops WHERE name = 'relearn';

-- After forgetting Mallory, her 20 events no longer count.
SELECT pz_forget('mallory');
SELECT pz_retrain('relearn');
SELECT model_version FROM pz.loops WHERE name = 'relearn';
SELECT examples = (SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id)
                    WHERE l.name = 'relearn' AND e.outcome IN ('rewarded', 'defaulted')) AS examples_match_kept_log
  FROM pz.loop_status WHERE loop = 'relearn';

-- since: only the events created at or after it (here the last 10).
UPDATE pz.events AS e SET created_at = e.created_at - interval '1 day'
 WHERE e.event_id IN (SELECT md5('relearn' || i)::uuid FROM generate_series(21, 30) AS i);
SELECT pz_retrain('relearn', now() - interval '1 hour') ->> 'learned' AS learned_since;
SELECT pz_retrain('relearn', now() + interval '1 hour') ->> 'examples' AS examples_from_nothing;
-- An empty model is still a new version: rank scores with it (all zero).
SELECT action_id, score FROM pz_rank('relearn', '{"user": {"segment": "budget"}}', '["apple", "brick"]', '{"learn": false}')
 ORDER BY action_id;

-- Pending and skipped events are not learned; training then goes on from the
-- retrained model.
SELECT count(*) FROM pz_rank('relearn', '{}', '["apple", "brick"]', '{"event_id": "17000000-0000-4000-8000-0000000000e1"}');
SELECT count(*) FROM pz_rank('relearn', '{}', '["apple", "brick"]',
                             '{"event_id": "17000000-0000-4000-8000-0000000000e2", "deferred": true}');
SELECT pz_retrain('relearn') ->> 'examples' AS retrained_examples;
SELECT pz_train('relearn') - 'model_version' AS trained;

-- A loop whose feature settings changed retrains with the new ones.
SELECT settings->'bits' AS bits, model_version FROM pz_configure_loop('relearn', '{"bits": 12}');
SELECT pz_retrain('relearn') ->> 'examples' AS examples;
SELECT pz.model_fits(l.settings, m.weights) AS fits
  FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version WHERE l.name = 'relearn';

-- Errors: no new version.
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_retrain(NULL)$$,
  $$SELECT pz_retrain('nope')$$,
  $$SELECT pz_retrain('')$$
]) AS q;
SELECT max(version) AS versions FROM pz.models JOIN pz.loops USING (loop_id) WHERE name = 'relearn';

-- Only pz_admin retrains.
CREATE ROLE regress_retrain_app IN ROLE pz_app;
CREATE ROLE regress_retrain_analyst IN ROLE pz_analyst;
CREATE ROLE regress_retrain_admin IN ROLE pz_admin;
SET ROLE regress_retrain_app;
SELECT error_of($$SELECT pz_retrain('relearn')$$) AS app;
SET ROLE regress_retrain_analyst;
SELECT error_of($$SELECT pz_retrain('relearn')$$) AS analyst;
SET ROLE regress_retrain_admin;
SELECT pz_retrain('relearn') ->> 'examples' AS admin;
RESET ROLE;
DROP ROLE regress_retrain_app, regress_retrain_analyst, regress_retrain_admin;

SELECT pz_drop_loop('relearn');
DROP FUNCTION decide(integer, integer, text);
