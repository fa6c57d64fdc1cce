-- Slots: options.slots = k shows the first k ranks at once, each drawn by
-- the loop's policy from the actions not placed before it, each with its own
-- logged probability (pz.events.slot_probabilities); rewards name their slot.
SELECT name FROM pz_create_loop('carousel', '{"reward_wait": "0 seconds", "exploration": 0.3}');

-- Bad values are rejected (22023) and write nothing.
SELECT written_rows() AS before \gset
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT * FROM pz_rank('carousel', '{}', '["a", "b"]', '{"slots": 0}')$$,
  $$SELECT * FROM pz_rank('carousel', '{}', '["a", "b"]', '{"slots": 1.5}')$$,
  $$SELECT * FROM pz_rank('carousel', '{}', '["a", "b"]', '{"slots": 1001}')$$,
  $$SELECT * FROM pz_rank('carousel', '{}', '["a", "b"]', '{"slots": "2"}')$$,
  $$SELECT * FROM pz_rank('carousel', '{}', '["a", "b"]', '{"slots": true}')$$
]) AS q;
SELECT written_rows() = :'before' AS nothing_written;

-- Untrained, every remaining action ties for the best: slot j is drawn
-- uniformly from the 6 - j actions left, and its rows report that.
SELECT rank, probability, score
  FROM pz_rank('carousel', '{}', '["a", "b", "c", "d", "e"]',
               '{"slots": 3, "event_id": "00000000-0000-0000-0000-000000000651"}');
SELECT ranking[1] = chosen_action AS first_is_chosen, probabilities, slot_probabilities,
       slot_probabilities[1] = probabilities[1] AS slot_1_is_rank_1,
       cardinality(ranking) AS ranked
  FROM pz.events WHERE event_id = '00000000-0000-0000-0000-000000000651';
-- The three slots are distinct actions whatever the draw (the context
-- names i so that each row is a call of its own).
SELECT count(DISTINCT (i, action_id)) AS distinct_per_call, count(DISTINCT action_id) AS actions_seen
  FROM generate_series(1, 20) AS i,
       LATERAL pz_rank('carousel', jsonb_build_object('i', i), '["a", "b", "c", "d", "e"]',
                       '{"slots": 3, "learn": false}') AS r
 WHERE r.rank <= 3;

-- Without slots nothing changes: slot_probabilities is NULL.
SELECT event_id AS ranked FROM pz_rank('carousel', '{}', '["a", "b"]') WHERE rank = 1 \gset
SELECT slot_probabilities IS NULL AS no_slots
  FROM pz.events WHERE event_id = :'ranked';
SELECT :'ranked' AS plain \gset

-- More slots than actions: every action is a slot.
SELECT event_id AS ranked FROM pz_rank('carousel', '{}', '["a", "b"]', '{"slots": 5}') WHERE rank = 1 \gset
SELECT slot_probabilities
  FROM pz.events WHERE event_id = :'ranked';
SELECT :'ranked' AS two \gset

-- excluded actions are never placed; deferred events keep their slots.
SELECT bool_and(action_id <> 'c') AS c_never_shown
  FROM generate_series(1, 20) AS i,
       LATERAL pz_rank('carousel', jsonb_build_object('i', i), '["a", "b", "c", "d"]',
                       '{"slots": 3, "excluded": ["c"], "learn": false}') AS r
 WHERE r.rank <= 3;
SELECT event_id AS ranked FROM pz_rank('carousel', '{}', '["a", "b", "c", "d"]',
                              '{"slots": 3, "excluded": ["c"], "deferred": true}') WHERE rank = 1 \gset
SELECT active, cardinality(slot_probabilities) AS slots, slot_probabilities[3]
  FROM pz.events WHERE event_id = :'ranked';

SELECT pz_configure_loop('carousel', '{"reward_aggregation": "sum"}') IS NOT NULL AS configured;
-- Rewards per slot: the slot shown, or none (the top position). A slot not
-- shown is 22023, for events without slots too (they show slot 1 only).
SELECT pz_reward('00000000-0000-0000-0000-000000000651', 1, NULL, 3);
SELECT pz_reward('00000000-0000-0000-0000-000000000651', 0.5, 'click', 1);
SELECT pz_reward('00000000-0000-0000-0000-000000000651', 0.25);
SELECT value, signal, slot FROM pz.rewards
 WHERE event_id = '00000000-0000-0000-0000-000000000651' ORDER BY reward_id;
SELECT written_rows() AS before \gset
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_reward('00000000-0000-0000-0000-000000000651', 1, NULL, 4)$$,
  $$SELECT pz_reward('00000000-0000-0000-0000-000000000651', 1, NULL, 0)$$,
  $$SELECT pz_reward('00000000-0000-0000-0000-000000000651', 1, NULL, -1)$$,
  $$SELECT pz_reward('00000000-0000-0000-0000-000000000659', 1, NULL, 2)$$
]) AS q;
SELECT regexp_replace(error_of(format('SELECT pz_reward(%L, 1, NULL, 2)', :'plain')), '[0-9a-f-]{36}', '<event>') AS unslotted_slot_2;
SELECT written_rows() = :'before' AS nothing_else_written;
SELECT error_of(format('SELECT pz_reward(%L, 1, NULL, 1)', :'plain')) AS unslotted_slot_1;

-- Trained on "a pays 1", with exploration 0 every slot is the greedy pick
-- among the actions left, with certainty: a first.
SELECT count(*) FROM (
  SELECT pz_reward(event_id, CASE WHEN action_id = 'a' THEN 1 ELSE 0 END)
    FROM generate_series(1, 100) AS i,
         LATERAL pz_rank('carousel', jsonb_build_object('i', i), '["a", "b", "c", "d"]', '{"exploration": 1}') AS r
   WHERE r.rank = 1) AS rewarded;
SELECT pz_train('carousel') ->> 'model_version' AS model_version;
SELECT event_id AS ranked FROM pz_rank('carousel', '{}', '["b", "c", "a", "d"]',
                              '{"slots": 3, "exploration": 0, "baseline": "b"}') WHERE rank = 1 \gset
SELECT ranking[1] AS first, slot_probabilities, baseline
  FROM pz.events WHERE event_id = :'ranked';

-- The joined reward of an event stays the one of its top position: a
-- reward for slot 3 does not change it. Slot 2 had no reward: the default.
-- An event with no reward at all is defaulted under "sum" too.
SELECT reward, outcome, slot_rewards FROM pz.events WHERE event_id = '00000000-0000-0000-0000-000000000651';
SELECT reward, outcome, slot_rewards FROM pz.events WHERE event_id = :'two';

-- Each shown slot was one example, learned once: the model's examples are
-- the learned events' slots (1 for an event without slots).
SELECT m.examples AS examples,
       (SELECT sum(coalesce(cardinality(e.slot_probabilities), 1)) FROM pz.events e
         WHERE e.loop_id = l.loop_id AND e.outcome IN ('rewarded', 'defaulted')) AS slots_learned,
       (SELECT count(*) FROM pz.events e WHERE e.loop_id = l.loop_id AND e.outcome = 'skipped') AS skipped
  FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version
 WHERE l.name = 'carousel';
SELECT pz_train('carousel') ->> 'learned' AS learned_again;
-- Retraining learns every slot of the kept events again, with the rewards
-- they were joined with.
SELECT (pz_retrain('carousel') ->> 'examples')::bigint AS retrained_examples,
       (SELECT sum(coalesce(cardinality(e.slot_probabilities), 1)) FROM pz.events e JOIN pz.loops l USING (loop_id)
         WHERE l.name = 'carousel' AND e.outcome IN ('rewarded', 'defaulted')) AS slots_learned;

-- Apprentice mode shows the baseline, then the actions in the order given,
-- each slot with certainty.
SELECT name FROM pz_create_loop('carousel_apprentice', '{"mode": "apprentice", "reward_wait": "0 seconds"}');
SELECT rank, action_id, probability
  FROM pz_rank('carousel_apprentice', '{}', '["a", "b", "c", "d"]', '{"slots": 3, "baseline": "c"}');
SELECT ranking, probabilities, slot_probabilities
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'carousel_apprentice';

-- Rows in: pz_rank_rows takes the option alike.
CREATE TABLE slot_items (id text, colour text);
INSERT INTO slot_items VALUES ('x', 'red'), ('y', 'blue'), ('z', 'green'), ('w', 'grey');
SELECT count(*) FILTER (WHERE rank <= 2) AS slots, count(DISTINCT (item).id) AS items
  FROM pz_rank_rows('carousel', '{}', ARRAY(SELECT s FROM slot_items s),
                    '{"slots": 2, "event_id": "00000000-0000-0000-0000-000000000652"}');
SELECT cardinality(slot_probabilities) AS slots, slot_probabilities[2] AS second
  FROM pz.events WHERE event_id = '00000000-0000-0000-0000-000000000652';

-- Written through the view (tools, repairs), the slot probabilities go along.
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at, slot_probabilities)
SELECT '00000000-0000-0000-0000-000000000653', loop_id, now(), '{}', '["p", "q"]', '{q,p}', '{0.5,0.5}',
       '{0,0}', 'q', 0, true, now(), '{0.5,1}'
  FROM pz.loops WHERE name = 'carousel';
SELECT ranking, slot_probabilities FROM pz.events WHERE event_id = '00000000-0000-0000-0000-000000000653';
SELECT error_of($$UPDATE pz.events SET slot_probabilities = '{0.5,1,1}'
                   WHERE event_id = '00000000-0000-0000-0000-000000000653'$$) AS too_many_slots;

-- The function's signature and grants: the 3-argument form is gone.
SELECT p.oid::regprocedure AS signature, has_function_privilege('pz_app', p.oid, 'EXECUTE') AS app,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public
  FROM pg_proc p WHERE p.proname = 'pz_reward';

SELECT pz_drop_loop('carousel'), pz_drop_loop('carousel_apprentice');
DROP TABLE slot_items;
