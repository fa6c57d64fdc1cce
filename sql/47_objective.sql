-- The loop setting objective: signals to weights. The learned reward is the
-- weighted sum of the event's rewards per signal (each combined by
-- reward_aggregation), clipped to [-1, 1]; rewards of other signals and
-- unnamed ones do not count; an event with a reward for no signal of the
-- objective gets default_reward.
SELECT settings->'objective' AS default_objective FROM pz_create_loop('objective_checked');
SELECT written_rows() AS before \gset
SELECT q AS settings, error_of(format('SELECT pz_configure_loop(%L, %L)', 'objective_checked', q)) AS error FROM unnest(ARRAY[
  '{"objective": {}}',
  '{"objective": ["click"]}',
  '{"objective": "click"}',
  '{"objective": {"click": "1"}}',
  '{"objective": {"click": true}}',
  '{"objective": {"click": null}}',
  '{"objective": {"": 1}}',
  '{"objective": {"click": 1001}}',
  '{"objective": {"click": -1e400}}'
]) AS q;
SELECT error_of(format('SELECT pz_create_loop(%L, %L)', 'objective_bad',
                       jsonb_build_object('objective', jsonb_build_object(repeat('s', 129), 1)))) AS long_signal,
       error_of(format('SELECT pz_create_loop(%L, %L)', 'objective_bad',
                       (SELECT jsonb_build_object('objective', jsonb_object_agg('s' || i, 1)) FROM generate_series(1, 65) i))) AS too_many_signals;
SELECT written_rows() = :'before' AS nothing_written;
SELECT settings->'objective' AS objective
  FROM pz_configure_loop('objective_checked', '{"objective": {"click": 0.25, "purchase": 1, "return": -1000}}');
SELECT settings->'objective' AS reset FROM pz_configure_loop('objective_checked', '{"objective": null}');
SELECT pz_drop_loop('objective_checked');

-- The reward each event is joined with, by hand: objective click 0.25,
-- purchase 1; sum per signal; default_reward -0.1.
SELECT name FROM pz_create_loop('objective_joined', '{"reward_wait": "0 seconds", "reward_aggregation": "sum",
       "default_reward": -0.1, "objective": {"click": 0.25, "purchase": 1}}');
SELECT count(*) AS ranked
  FROM generate_series(1, 6) i,
       pz_rank('objective_joined', '{}', '["a", "b"]',
               jsonb_build_object('event_id', format('47000000-0000-4000-8000-%s', lpad(i::text, 12, '0')))) r
 WHERE r.rank = 1;
SELECT count(*) AS rewards FROM (SELECT pz_reward(e::uuid, v, s) FROM (VALUES
  ('47000000-0000-4000-8000-000000000001', 1, 'click'),        -- 0.25
  ('47000000-0000-4000-8000-000000000002', 1, 'click'),        -- 0.25 + 1, clipped: 1
  ('47000000-0000-4000-8000-000000000002', 1, 'purchase'),
  ('47000000-0000-4000-8000-000000000003', -0.5, 'purchase'),  -- -0.5: the unnamed 1 does not count
  ('47000000-0000-4000-8000-000000000003', 1, NULL),
  ('47000000-0000-4000-8000-000000000004', 1, 'dwell'),        -- no signal of the objective: -0.1
  ('47000000-0000-4000-8000-000000000005', 0.5, 'click'),      -- click sums to 1: 0.25
  ('47000000-0000-4000-8000-000000000005', 0.5, 'click'),
  ('47000000-0000-4000-8000-000000000006', -1, 'click'),       -- -0.25 + (0.5 + 0.25): 0.5
  ('47000000-0000-4000-8000-000000000006', 0.5, 'purchase'),
  ('47000000-0000-4000-8000-000000000006', 0.25, 'purchase')) AS r(e, v, s)) AS given;
SELECT t->'learned' AS learned, t->'rewarded' AS rewarded, t->'defaulted' AS defaulted
  FROM pz_train('objective_joined') AS t;
SELECT right(event_id::text, 1) AS event, outcome, reward FROM pz.events e
  JOIN pz.loops l USING (loop_id) WHERE l.name = 'objective_joined' ORDER BY event_id;
-- pz.loop_status counts every reward received, counted or not.
SELECT rewards FROM pz.loop_status WHERE loop = 'objective_joined';
SELECT pz_drop_loop('objective_joined');

-- A loop learns what its objective asks for. Action a earns clicks, action
-- b earns a purchase every other time: optimizing purchases prefers b, while
-- every reward counting (no objective) prefers a.
CREATE FUNCTION objective_rounds(loop text, rounds integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen record;
BEGIN
    FOR i IN 1..rounds LOOP
        SELECT r.event_id, r.action_id INTO chosen FROM pz_rank(loop, '{"user": {"segment": "s"}}', '["a", "b"]') r WHERE r.rank = 1;
        IF chosen.action_id = 'a' THEN
            PERFORM pz_reward(chosen.event_id, 1, 'click');
        ELSIF i % 2 = 0 THEN
            PERFORM pz_reward(chosen.event_id, 1, 'purchase');
        END IF;
        IF i % 50 = 0 THEN
            PERFORM pz_train(loop);
        END IF;
    END LOOP;
END
$$;
SELECT name FROM pz_create_loop('objective_purchases', '{"reward_wait": "0 seconds", "exploration": 0.5, "objective": {"purchase": 1}}');
SELECT name FROM pz_create_loop('objective_none', '{"reward_wait": "0 seconds", "exploration": 0.5}');
SELECT objective_rounds('objective_purchases', 400), objective_rounds('objective_none', 400);
SELECT l.name, (array_agg(r.action_id ORDER BY r.score DESC))[1] AS preferred
  FROM pz.loops l, pz_rank(l.name, '{"user": {"segment": "s"}}', '["a", "b"]', '{"learn": false}') r
 WHERE l.name IN ('objective_purchases', 'objective_none') GROUP BY l.name ORDER BY l.name;
-- Under the objective, a's clicks do not count: its events are defaulted.
SELECT l.name, e.chosen_action, count(*) FILTER (WHERE e.outcome = 'defaulted') > 0 AS some_defaulted,
       bool_and(e.reward IN (0, 1)) AS rewards_0_or_1, bool_and(e.chosen_action <> 'a' OR e.outcome = 'defaulted') AS a_defaulted
  FROM pz.events e JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'objective_purchases' GROUP BY l.name, e.chosen_action ORDER BY 1, 2;
SELECT pz_drop_loop('objective_purchases'), pz_drop_loop('objective_none');
DROP FUNCTION objective_rounds(text, integer);
