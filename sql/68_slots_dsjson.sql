-- DSJSON with slots: pz_export_dsjson writes an event ranked with slots as a
-- conditional-bandit line (Vowpal Wabbit's --ccb_explore_adf form), each
-- slot's rewards under its own outcome, and pz_import_dsjson reads it back
-- as an event with the same slots: a round trip.
SELECT name FROM pz_create_loop('ccb_out', '{"reward_wait": "0 seconds", "reward_aggregation": "sum"}');

-- 40 pages of three slots; rewards per slot ("a" earns in every slot it is
-- shown, more the higher), and a plain event without slots.
SELECT count(*) AS rewards FROM (
  SELECT pz_reward(r.event_id, CASE WHEN r.action_id = 'a' THEN 1.0 / r.rank ELSE 0 END, 'click', r.rank)
    FROM generate_series(1, 40) AS i,
         LATERAL pz_rank('ccb_out', jsonb_build_object('i', i), '["a", "b", "c", "d"]',
                         jsonb_build_object('slots', 3, 'exploration', 1,
                                            'event_id', format('00000000-0000-0000-0000-%s', lpad(i::text, 12, '0'))))
                 AS r
   WHERE r.rank <= 3) AS given;
SELECT count(*) AS plain FROM pz_rank('ccb_out', '{"i": 0}', '["a", "b"]',
                                      '{"event_id": "00000000-0000-0000-0000-000000000000"}') AS r,
                              pz_reward(r.event_id, 1) WHERE r.rank = 1;
SELECT pz_train('ccb_out') ->> 'learned' AS learned;

CREATE TEMP TABLE exported AS SELECT line::jsonb AS line FROM pz_export_dsjson('ccb_out') AS line;
-- The plain event stays a contextual-bandit line; the others carry one
-- outcome per slot, with the action shown there (0-based), its probability
-- and cost, and the rewards naming that slot.
SELECT line->>'EventId' AS event, line ? '_outcomes' AS slotted, line ? '_label_cost' AS label_cost,
       line->'c' ? '_slots' AS has_slots
  FROM exported WHERE line->>'EventId' IN ('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001')
 ORDER BY 1;
SELECT s.n AS slot, s.outcome->>'_id' AS id,
       (x.line->'c'->'_multi'->((s.outcome->'_a'->>0)::int)->>'_tag') = e.ranking[s.n] AS action_is_ranked_there,
       (s.outcome->'_p'->>0)::float8 = e.slot_probabilities[s.n] AS probability_is_logged,
       -(s.outcome->>'_label_cost')::float8 = e.slot_rewards[s.n] AS cost_is_slot_reward,
       (SELECT coalesce(sum((o->>'v')::float8), 0) FROM jsonb_array_elements(s.outcome->'_o') o)
         = (SELECT coalesce(sum(r.value), 0) FROM pz.rewards r WHERE r.event_id = e.event_id AND coalesce(r.slot, 1) = s.n)
         AS rewards_of_the_slot
  FROM exported x
  JOIN pz.events e ON e.event_id = (x.line->>'EventId')::uuid,
       jsonb_array_elements(x.line->'_outcomes') WITH ORDINALITY AS s(outcome, n)
 WHERE x.line->>'EventId' = '00000000-0000-0000-0000-000000000001'
 ORDER BY s.n;

-- Read back: the log as it was, then the loop is dropped (event ids are
-- unique across loops) and the lines imported into another one.
CREATE TEMP TABLE original AS
SELECT e.event_id, e.ranking, e.slot_probabilities, e.slot_rewards, e.reward, e.outcome,
       (SELECT array_agg((r.value, coalesce(r.slot, 1)) ORDER BY coalesce(r.slot, 1), r.value)
          FROM pz.rewards r WHERE r.event_id = e.event_id)::text AS rewards
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'ccb_out';
CREATE TEMP TABLE original_estimates AS
SELECT policy, estimator, value FROM pz_evaluate('ccb_out') WHERE policy LIKE 'online:%';
SELECT pz_drop_loop('ccb_out');

SELECT name FROM pz_create_loop('ccb_in', '{"reward_wait": "0 seconds", "reward_aggregation": "sum"}');
SELECT (pz_import_dsjson('ccb_in', string_agg(line::text, E'\n')) ->> 'imported')::int AS imported FROM exported;
-- The same slots, slot probabilities, rewards per slot and joined slot
-- rewards, event by event; the plain event stays plain.
SELECT count(*) AS events,
       count(*) FILTER (WHERE o.slot_probabilities IS NOT NULL AND i.ranking[1:3] = o.ranking[1:3]
                          AND i.slot_probabilities = o.slot_probabilities AND i.slot_rewards = o.slot_rewards
                          AND i.reward = o.reward AND i.outcome = o.outcome) AS slots_identical,
       count(*) FILTER (WHERE o.slot_probabilities IS NULL AND i.slot_probabilities IS NULL
                          AND i.reward = o.reward) AS plain_identical,
       count(*) FILTER (WHERE o.rewards IS NOT DISTINCT FROM
                              (SELECT array_agg((r.value, coalesce(r.slot, 1)) ORDER BY coalesce(r.slot, 1), r.value)
                                 FROM pz.rewards r WHERE r.event_id = i.event_id)::text) AS rewards_identical
  FROM pz.events i JOIN pz.loops l ON l.loop_id = i.loop_id AND l.name = 'ccb_in'
  JOIN original o ON o.event_id = i.event_id;
-- Each slot was learned: one example a slot (one for the plain event).
SELECT m.examples FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version
 WHERE l.name = 'ccb_in';
-- The per-slot estimates of the log are those of the original.
SELECT o.policy, abs(o.value - n.value) < 1e-12 AS same_estimate
  FROM original_estimates o JOIN pz_evaluate('ccb_in') n USING (policy, estimator) ORDER BY o.policy;

SELECT pz_drop_loop('ccb_in');
