-- The candidates of a logged decision are one compact value
-- (pz.decisions.candidates): action numbers, ranking positions, exact
-- probabilities and float4 scores. pz.events decodes it: every column shows
-- what pz_rank returned.
SELECT name FROM pz_create_loop('compact', '{"reward_wait": "0 seconds"}');

-- A model that prefers c5 (learned from logged events with rewards), so
-- that the 50 candidates' scores differ and epsilon-greedy gives two
-- probabilities.
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at)
SELECT md5('compact' || i)::uuid, l.loop_id, now(), '{"user": "u1"}',
       jsonb_build_array(jsonb_build_object('id', 'c' || (i % 5 + 1),
                                            'features', jsonb_build_object('n', i % 5 + 1, 'k', 'k' || (i % 5 + 1) % 7))),
       ARRAY['c' || (i % 5 + 1)], '{1}', '{0}', 'c' || (i % 5 + 1), 0, true, now()
  FROM pz.loops AS l, generate_series(1, 50) AS i WHERE l.name = 'compact';
SELECT count(pz_reward(md5('compact' || i)::uuid, CASE WHEN i % 5 = 4 THEN 1 ELSE 0 END)) AS rewarded
  FROM generate_series(1, 50) AS i;
SELECT t->>'learned' AS learned FROM pz_train('compact') AS t;

-- 50 candidates.
CREATE TABLE compact_given AS
SELECT r.event_id, r.action_id, r.rank, r.probability, r.score
  FROM pz_rank('compact', '{"user": "u1"}',
               (SELECT jsonb_agg(jsonb_build_object('id', 'c' || i, 'features', jsonb_build_object('n', i, 'k', 'k' || i % 7)))
                  FROM generate_series(1, 50) AS i),
               '{"event_id": "51000000-0000-4000-8000-000000000001"}') AS r;
SELECT e.ranking = ARRAY(SELECT g.action_id FROM compact_given AS g ORDER BY g.rank) AS ranking_as_returned,
       -- exact, bit for bit (float8 equality)
       e.probabilities = ARRAY(SELECT g.probability FROM compact_given AS g ORDER BY g.rank) AS probabilities_as_returned,
       e.scores = ARRAY(SELECT g.score::float4::float8 FROM compact_given AS g ORDER BY g.rank) AS scores_at_float4,
       jsonb_array_length(e.actions) AS actions, e.actions -> 49 ->> 'id' AS last_given,
       e.chosen_action = (SELECT g.action_id FROM compact_given AS g WHERE g.rank = 1) AS chosen_as_returned
  FROM pz.events AS e WHERE e.event_id = '51000000-0000-4000-8000-000000000001';
-- A few bytes a candidate: consecutive numbers, one-byte positions, two
-- distinct probabilities (epsilon-greedy), float4 scores.
SELECT octet_length(d.candidates) <= 50 * 6 + 40 AS compact,
       cardinality(pz.candidate_numbers(d.candidates)) AS numbers,
       (SELECT count(DISTINCT p) FROM unnest(pz.candidate_probabilities(d.candidates)) AS p) AS distinct_probabilities,
       (SELECT count(DISTINCT s) > 1 FROM unnest(pz.candidate_scores(d.candidates)) AS s) AS scores_differ
  FROM pz.decisions AS d WHERE d.event_id = '51000000-0000-4000-8000-000000000001';
-- The numbers are those of the loop's documents, in the order given.
SELECT bool_and(a.action_id = 'c' || h.n) AS numbers_in_order_given
  FROM pz.decisions AS d, unnest(pz.candidate_numbers(d.candidates)) WITH ORDINALITY AS h(number, n)
  JOIN pz.actions AS a ON a.action_number = h.number
 WHERE d.event_id = '51000000-0000-4000-8000-000000000001' AND a.loop_id = d.loop_id;

-- Slots: the slots' probabilities beside the compact ranking.
SELECT count(*) FROM pz_rank('compact', '{}', '["x", "y", "z", "w"]',
                             '{"slots": 2, "event_id": "51000000-0000-4000-8000-000000000002"}');
SELECT cardinality(e.ranking) AS ranked, cardinality(e.slot_probabilities) AS slots,
       e.slot_probabilities[1] = e.probabilities[1] AS first_slot_is_rank_1
  FROM pz.events AS e WHERE e.event_id = '51000000-0000-4000-8000-000000000002';

-- The trainer decodes the chosen action (and the slots) from the value.
SELECT pz_reward('51000000-0000-4000-8000-000000000001', 1);
SELECT pz_reward('51000000-0000-4000-8000-000000000002', 1, slot => 2);
SELECT t->>'joined' AS joined, t->>'learned' AS learned, t->>'quarantined' AS quarantined FROM pz_train('compact') AS t;
SELECT e.event_id, e.outcome, e.slot_rewards FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)
 WHERE l.name = 'compact' AND e.event_id::text LIKE '51000000-%' ORDER BY e.event_id;
