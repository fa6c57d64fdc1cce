-- Retention: joined events older than the loop's `retention` are deleted with
-- their rewards, a batch at a time (pz.apply_retention, which the worker calls
-- after training); pending events are kept whatever their age.
SELECT name, settings->'retention' AS retention FROM pz_create_loop('keeper', '{"reward_wait": "0 seconds"}');
SELECT name, settings->'retention' AS retention
  FROM pz_create_loop('expiring', '{"reward_wait": "0 seconds", "retention": "1 day"}');

-- Per loop: 6 events, rewards on the odd ones (two on the first), all joined;
-- then a deferred one, skipped when joined; then 2 left pending (ranked after
-- the training). Everything is then made 3 days old but one joined event.
CREATE FUNCTION log_events(loop text, tag integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..6 LOOP
        PERFORM pz_rank(loop, '{"user": {"segment": "a"}}', '["x", "y"]',
                        jsonb_build_object('event_id', format('15000000-0000-4000-8000-%s%s', tag, lpad(i::text, 11, '0'))));
        IF i % 2 = 1 THEN
            PERFORM pz_reward(format('15000000-0000-4000-8000-%s%s', tag, lpad(i::text, 11, '0'))::uuid, 1);
        END IF;
    END LOOP;
    PERFORM pz_reward(format('15000000-0000-4000-8000-%s%s', tag, lpad('1', 11, '0'))::uuid, 0.5);
    PERFORM pz_rank(loop, '{}', '["x", "y"]',
                    jsonb_build_object('event_id', format('15000000-0000-4000-8000-%s%s', tag, lpad('7', 11, '0')),
                                       'deferred', true));
    PERFORM pz_train(loop);
    FOR i IN 8..9 LOOP
        PERFORM pz_rank(loop, '{}', '["x", "y"]',
                        jsonb_build_object('event_id', format('15000000-0000-4000-8000-%s%s', tag, lpad(i::text, 11, '0'))));
    END LOOP;
    PERFORM pz_reward(format('15000000-0000-4000-8000-%s%s', tag, lpad('8', 11, '0'))::uuid, 1);
    UPDATE pz.events AS e SET created_at = e.created_at - interval '3 days',
                              activated_at = e.activated_at - interval '3 days'
     WHERE e.loop_id = (SELECT l.loop_id FROM pz.loops AS l WHERE l.name = loop)
       AND e.event_id <> format('15000000-0000-4000-8000-%s%s', tag, lpad('6', 11, '0'))::uuid;
END
$$;
SELECT log_events('keeper', 1), log_events('expiring', 2);

CREATE FUNCTION loop_rows(loop text) RETURNS text
LANGUAGE sql AS $$
SELECT format('events=%s (pending %s) rewards=%s',
              count(*), count(*) FILTER (WHERE e.joined_at IS NULL),
              (SELECT count(*) FROM pz.rewards r JOIN pz.events x USING (event_id) WHERE x.loop_id = l.loop_id))
  FROM pz.loops l LEFT JOIN pz.events e USING (loop_id) WHERE l.name = loop GROUP BY l.loop_id
$$;
SELECT loop_rows('keeper') AS keeper, loop_rows('expiring') AS expiring;

-- No retention (the default): nothing is deleted, whatever the age.
SELECT pz.apply_retention('keeper');
-- Batches of 2: the oldest joined events first, with their rewards.
SELECT pz.apply_retention('expiring', 2);
SELECT event_id, outcome FROM pz.events
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'expiring') ORDER BY event_id;
SELECT pz.apply_retention('expiring', 2);
SELECT pz.apply_retention('expiring', 2);
SELECT pz.apply_retention('expiring', 2);
-- Kept: the pending events (3 days old), and the joined one younger than a day.
SELECT event_id, outcome, joined_at IS NULL AS pending FROM pz.events
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'expiring') ORDER BY event_id;
SELECT loop_rows('keeper') AS keeper, loop_rows('expiring') AS expiring;
-- A reward for a deleted event is refused like one for an unknown event.
SELECT error_of($$SELECT pz_reward('15000000-0000-4000-8000-200000000001', 1)$$);

-- Once joined, the pending events go too; the young one when it is old enough.
SELECT pz_train('expiring') ->> 'joined' AS joined;
SELECT pz.apply_retention('expiring');
SELECT pz_configure_loop('expiring', '{"retention": "1 hour"}') IS NOT NULL AS configured;
SELECT pz.apply_retention('expiring');
SELECT pz_configure_loop('expiring', '{"retention": "1 microsecond"}') IS NOT NULL AS configured;
SELECT pg_sleep(0.01);
SELECT pz.apply_retention('expiring');
SELECT loop_rows('keeper') AS keeper, loop_rows('expiring') AS expiring;
-- The model keeps what it learned; the loop keeps learning.
SELECT model_version, examples FROM pz.loop_status WHERE loop = 'expiring';
SELECT count(*) FROM pz_rank('expiring', '{}', '["x", "y"]');
SELECT pz_train('expiring') ->> 'learned' AS learned;

-- Errors: nothing is deleted.
SELECT pz_configure_loop('keeper', '{"retention": "1 day"}') IS NOT NULL AS configured;
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz.apply_retention(NULL)$$,
  $$SELECT pz.apply_retention('nope')$$,
  $$SELECT pz.apply_retention('keeper', NULL)$$,
  $$SELECT pz.apply_retention('keeper', 0)$$,
  $$SELECT pz.apply_retention('keeper', 1000001)$$,
  $$SELECT pz_configure_loop('keeper', '{"retention": "-1 day"}')$$,
  $$SELECT pz_configure_loop('keeper', '{"retention": 7}')$$
]) AS q;
SELECT loop_rows('keeper') AS keeper;

-- Only pz_admin (and the owner) may call it.
CREATE ROLE regress_retention_app IN ROLE pz_app;
CREATE ROLE regress_retention_analyst IN ROLE pz_analyst;
CREATE ROLE regress_retention_admin IN ROLE pz_admin;
SET ROLE regress_retention_app;
SELECT error_of($$SELECT pz.apply_retention('keeper')$$) AS app;
SET ROLE regress_retention_analyst;
SELECT error_of($$SELECT pz.apply_retention('keeper')$$) AS analyst;
SET ROLE regress_retention_admin;
SELECT pz.apply_retention('keeper', 1) AS admin;
RESET ROLE;
DROP ROLE regress_retention_app, regress_retention_analyst, regress_retention_admin;

SELECT pz_drop_loop('keeper'), pz_drop_loop('expiring');
DROP FUNCTION log_events(text, integer), loop_rows(text);
