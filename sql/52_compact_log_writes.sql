-- Writing pz.events through its trigger encodes the candidates as pz_rank
-- does; a row that cannot be encoded fails with 23514, as the 0.1.0 table's
-- check (events_aligned) failed it, and writes nothing. pz.encode_candidates
-- called directly checks its arguments (22023); the decoders refuse a value
-- pz did not write with 22P02.
SELECT name FROM pz_create_loop('compact_w', '{"reward_wait": "0 seconds"}');

-- A ranking naming an id that is not a candidate is kept as ids; the
-- probabilities and scores stay in the compact value.
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at)
SELECT '52000000-0000-4000-8000-000000000001', loop_id, now(), '{}', '["p", {"id": "q", "features": {"f": 1}}]',
       '{ghost,p}', '{0.75,0.25}', '{0.125,-2.5}', 'ghost', 0, true, now()
  FROM pz.loops WHERE name = 'compact_w';
SELECT e.actions, e.ranking, e.probabilities, e.scores, pz.ranked_numbers(d.candidates) AS positions, d.ranking_ids
  FROM pz.events AS e JOIN pz.decisions AS d USING (event_id) WHERE e.event_id = '52000000-0000-4000-8000-000000000001';
-- Unknown scores (all NULL, as imports log them) stay unknown.
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at)
SELECT '52000000-0000-4000-8000-000000000002', loop_id, now(), '{}', '["p", "q", "r"]',
       '{r,p,q}', '{0.5,0.25,0.25}', '{NULL,NULL,NULL}', 'r', 0, true, now()
  FROM pz.loops WHERE name = 'compact_w';
SELECT e.ranking, e.probabilities, e.scores FROM pz.events AS e WHERE e.event_id = '52000000-0000-4000-8000-000000000002';
-- An update rewrites the value.
UPDATE pz.events SET ranking = '{q,r,p}', probabilities = '{0.6,0.2,0.2}', scores = '{3,2,1}', chosen_action = 'q'
 WHERE event_id = '52000000-0000-4000-8000-000000000002';
SELECT e.ranking, e.probabilities, e.scores FROM pz.events AS e WHERE e.event_id = '52000000-0000-4000-8000-000000000002';

-- Rows that cannot be encoded: nothing written.
SELECT count(*) AS events_before FROM pz.events AS e JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'compact_w';
SELECT error_of($$INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                                         chosen_action, model_version, active)
                  SELECT '52000000-0000-4000-8000-000000000003', loop_id, now(), '{}', '["p", "q"]', '{p,q}',
                         '{0.5,0.5}', '{1}', 'p', 0, true FROM pz.loops WHERE name = 'compact_w'$$) AS misaligned;
SELECT error_of($$INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                                         chosen_action, model_version, active)
                  SELECT '52000000-0000-4000-8000-000000000003', loop_id, now(), '{}', '["p", "q"]', '{p,q}',
                         '{0.5,0.5}', '{1,NULL}', 'p', 0, true FROM pz.loops WHERE name = 'compact_w'$$) AS some_scores_null;
SELECT error_of($$INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                                         chosen_action, model_version, active)
                  SELECT '52000000-0000-4000-8000-000000000003', loop_id, now(), '{}', '["p", "q"]', '{p,q}',
                         '{0.5,NULL}', '{1,2}', 'p', 0, true FROM pz.loops WHERE name = 'compact_w'$$) AS null_probability;
SELECT count(*) AS events_after FROM pz.events AS e JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'compact_w';
SELECT count(*) AS stray_documents FROM pz.actions AS a JOIN pz.loops AS l USING (loop_id)
 WHERE l.name = 'compact_w' AND a.action_id NOT IN ('p', 'q', 'r');

-- pz.encode_candidates: every argument checked (22023).
SELECT error_of($$SELECT pz.encode_candidates(NULL, '{1}', '{1}', '{0}')$$) AS null_numbers;
SELECT error_of($$SELECT pz.encode_candidates('{1}', '{1}', NULL, '{0}')$$) AS null_probabilities;
SELECT error_of($$SELECT pz.encode_candidates('{1,NULL}', '{1}', '{1}', '{0}')$$) AS null_number;
SELECT error_of($$SELECT pz.encode_candidates('{1,2}', '{3}', '{1}', '{0}')$$) AS position_too_high;
SELECT error_of($$SELECT pz.encode_candidates('{1,2}', '{0}', '{1}', '{0}')$$) AS position_zero;
SELECT error_of($$SELECT pz.encode_candidates('{1,2}', '{NULL}', '{1}', '{0}')$$) AS null_position;
SELECT error_of($$SELECT pz.encode_candidates('{1,2}', '{1,2}', '{1}', '{0,0}')$$) AS ranking_longer;
SELECT error_of($$SELECT pz.encode_candidates('{1,2}', '{1,2}', '{0.5,0.5}', '{0}')$$) AS scores_shorter;
SELECT error_of($$SELECT pz.encode_candidates('{1,2}', '{1,2}', '{0.5,0.5}', '{0,NULL}')$$) AS scores_partly_null;
-- Round trips, special values included.
SELECT pz.candidate_numbers(c) AS numbers, pz.ranked_numbers(c) AS ranked, pz.candidate_probabilities(c) AS probabilities,
       pz.candidate_scores(c) AS scores
  FROM pz.encode_candidates('{9223372036854775807,-9223372036854775808,7}', '{3,1}', '{0.9,0.1}',
                            '{Infinity,1e300}') AS c;
SELECT pz.ranked_numbers(c) AS ranked, pz.candidate_scores(c) AS scores
  FROM pz.encode_candidates('{}', NULL, '{0.5,0.5}', NULL) AS c;

-- The decoders refuse bytes pz did not write (22P02).
SELECT error_of($$SELECT pz.candidate_numbers('\x')$$) AS empty;
SELECT error_of($$SELECT pz.candidate_numbers('\x0200')$$) AS unknown_format;
SELECT error_of($$SELECT pz.candidate_probabilities('\x0108')$$) AS unknown_flag;
SELECT error_of($$SELECT pz.candidate_scores(pz.encode_candidates('{1}', '{1}', '{1}', '{0}') || '\x00'::bytea)$$) AS trailing;
SELECT error_of($$SELECT pz.ranked_numbers(substr(pz.encode_candidates('{1,2}', '{2,1}', '{0.5,0.5}', '{1,2}'), 1, 6))$$) AS cut_short;
SELECT error_of($$SELECT pz.candidate_numbers('\x0100ffffffffffffffffffff01')$$) AS number_too_long;
