-- The lean decision log: pz.events is a view over pz.decisions (one row per
-- event, written once), pz.actions (each distinct action document of a loop
-- once, by content hash) and pz.event_state (activation and join).
SELECT relname, relkind FROM pg_class WHERE relnamespace = 'pz'::regnamespace
   AND relname IN ('events', 'decisions', 'actions', 'event_state') ORDER BY relname;
SELECT name FROM pz_create_loop('lean_a', '{"reward_wait": "0 seconds", "retention": "1 day"}');
SELECT name FROM pz_create_loop('lean_b', '{"reward_wait": "0 seconds"}');

-- What the view shows is what was given: the actions in the order given
-- without the excluded one, the ranking as pz_rank returned it.
CREATE TABLE lean_given AS
SELECT r.event_id, r.action_id, r.rank, r.probability, r.score
  FROM pz_rank('lean_a', '{"user": {"segment": "s1"}}',
               '[{"id": "red", "features": {"color": "red", "price": 3}},
                 {"id": "blue", "features": {"color": "blue", "price": 4.5}},
                 "plain",
                 {"id": "gone", "features": {"color": "grey"}}]',
               '{"event_id": "50000000-0000-4000-8000-000000000001", "excluded": ["gone"], "baseline": "red"}') AS r;
SELECT e.actions, e.baseline, e.active, e.joined_at IS NULL AS pending
  FROM pz.events AS e WHERE e.event_id = '50000000-0000-4000-8000-000000000001';
SELECT e.ranking = ARRAY(SELECT g.action_id FROM lean_given AS g ORDER BY g.rank) AS ranking_as_returned,
       e.probabilities = ARRAY(SELECT g.probability FROM lean_given AS g ORDER BY g.rank) AS probabilities_as_returned,
       e.scores = ARRAY(SELECT g.score::float4::float8 FROM lean_given AS g ORDER BY g.rank) AS scores_as_returned,
       e.chosen_action = (SELECT g.action_id FROM lean_given AS g WHERE g.rank = 1) AS chosen_as_returned
  FROM pz.events AS e WHERE e.event_id = '50000000-0000-4000-8000-000000000001';
-- Stored: positions into the candidates, numbers of the documents.
SELECT cardinality(pz.candidate_numbers(d.candidates)) AS candidates,
       pz.ranked_numbers(d.candidates) IS NOT NULL AS positions, d.ranking_ids
  FROM pz.decisions AS d WHERE d.event_id = '50000000-0000-4000-8000-000000000001';

-- Deduplication: more events with the same documents (and one new) add one
-- row; the same documents in another loop are that loop's own rows.
SELECT count(*) FROM generate_series(2, 5) AS i,
       LATERAL pz_rank('lean_a', jsonb_build_object('i', i),
                       '[{"id": "blue", "features": {"color": "blue", "price": 4.5}},
                         {"id": "red", "features": {"color": "red", "price": 3}},
                         {"id": "green", "features": {"color": "green"}}]',
                       jsonb_build_object('event_id', format('50000000-0000-4000-8000-00000000000%s', i))) AS r;
SELECT count(*) FROM pz_rank('lean_b', '{}', '[{"id": "red", "features": {"color": "red", "price": 3}}]',
                             '{"event_id": "50000000-0000-4000-8000-0000000000b1"}');
SELECT l.name, a.action_id, a.action, a.action_hash = pz.action_hash(a.action) AS hash_of_content
  FROM pz.actions AS a JOIN pz.loops AS l USING (loop_id)
 WHERE l.name LIKE 'lean_%' ORDER BY l.name, a.action_id;
SELECT e.event_id, e.actions -> 0 ->> 'id' AS first, jsonb_array_length(e.actions) AS actions,
       cardinality(e.ranking) AS ranked
  FROM pz.events AS e JOIN pz.loops AS l USING (loop_id) WHERE l.name LIKE 'lean_%' ORDER BY e.event_id;

-- Rows in: the documents are the rows' jsonb form, deduplicated the same way.
CREATE TABLE lean_items (id text PRIMARY KEY, color text, price numeric);
INSERT INTO lean_items VALUES ('red', 'red', 3), ('teal', 'teal', 7);
SELECT count(*) FROM pz_rank_rows('lean_b', '{}', ARRAY(SELECT i FROM lean_items AS i ORDER BY i.id),
                                  '{"event_id": "50000000-0000-4000-8000-0000000000b2"}');
SELECT count(*) FROM pz_rank_rows('lean_b', '{}', ARRAY(SELECT i FROM lean_items AS i ORDER BY i.id),
                                  '{"event_id": "50000000-0000-4000-8000-0000000000b3"}');
SELECT e.event_id, e.actions FROM pz.events AS e
 WHERE e.event_id IN ('50000000-0000-4000-8000-0000000000b2', '50000000-0000-4000-8000-0000000000b3')
 ORDER BY e.event_id;
SELECT count(*) AS lean_b_documents FROM pz.actions AS a JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'lean_b';

-- Joining writes the narrow state row only, and the view shows it.
SELECT pz_reward('50000000-0000-4000-8000-000000000002', 1);
SELECT t->>'joined' AS joined FROM pz_train('lean_a') AS t;
SELECT e.event_id, e.outcome, e.reward FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)
 WHERE l.name = 'lean_a' ORDER BY e.event_id;

-- No event ever points at a missing document.
CREATE FUNCTION dangling() RETURNS bigint LANGUAGE sql AS $$
SELECT count(*) FROM pz.decisions AS d, unnest(pz.candidate_numbers(d.candidates)) AS h
 WHERE NOT EXISTS (SELECT FROM pz.actions AS a WHERE a.loop_id = d.loop_id AND a.action_number = h)
$$;

-- Retention removes the documents no event references any more ('plain'
-- and 'red' of the first event stay referenced by others but 'plain').
UPDATE pz.events SET created_at = created_at - interval '3 days'
 WHERE event_id = '50000000-0000-4000-8000-000000000001';
SELECT p->>'events' AS events FROM pz.apply_retention('lean_a') AS p;
SELECT a.action_id FROM pz.actions AS a JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'lean_a' ORDER BY 1;
SELECT dangling();

-- This backend remembered 'plain' as stored; after the collection it must
-- store it again rather than trust what it remembered.
SELECT count(*) FROM pz_rank('lean_a', '{}', '["plain", "red"]', '{"event_id": "50000000-0000-4000-8000-000000000006"}');
SELECT dangling(), (SELECT count(*) FROM pz.actions WHERE action_id = 'plain') AS plain_rows;
SELECT jsonb_array_length(actions) FROM pz.events WHERE event_id = '50000000-0000-4000-8000-000000000006';

-- Documents of a rolled back transaction or savepoint are not remembered.
BEGIN;
SELECT count(*) FROM pz_rank('lean_a', '{}', '["rolled_back"]');
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT count(*) FROM pz_rank('lean_a', '{}', '["in_savepoint"]');
ROLLBACK TO SAVEPOINT s;
SELECT count(*) FROM pz_rank('lean_a', '{}', '["in_savepoint", "rolled_back"]',
                             '{"event_id": "50000000-0000-4000-8000-000000000007"}');
COMMIT;
SELECT e.actions, dangling() FROM pz.events AS e WHERE e.event_id = '50000000-0000-4000-8000-000000000007';

-- pz_forget collects the documents only the forgotten events used.
SELECT count(*) FROM pz_rank('lean_b', '{}', '["only_for_carol", "red"]', '{"subject": "carol"}');
SELECT pz_forget('carol');
SELECT a.action_id FROM pz.actions AS a JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'lean_b' ORDER BY 1;
SELECT dangling();

-- Writing through the view (tools, repairs) keeps every column; a ranking
-- naming ids that are not candidates is kept as ids.
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at)
SELECT '50000000-0000-4000-8000-0000000000f1', loop_id, now(), '{"k": 1}', '["p", {"id": "q"}]',
       '{q,p}', '{0.9,0.1}', '{0.5,0.25}', 'q', 0, true, now()
  FROM pz.loops WHERE name = 'lean_b';
UPDATE pz.events SET ranking = '{ghost,p}', chosen_action = 'ghost' WHERE event_id = '50000000-0000-4000-8000-0000000000f1';
SELECT e.context, e.actions, e.ranking, e.chosen_action, pz.ranked_numbers(d.candidates) AS positions, d.ranking_ids
  FROM pz.events AS e JOIN pz.decisions AS d USING (event_id) WHERE e.event_id = '50000000-0000-4000-8000-0000000000f1';
DELETE FROM pz.events WHERE event_id = '50000000-0000-4000-8000-0000000000f1';
SELECT count(*) AS left_behind FROM pz.decisions WHERE event_id = '50000000-0000-4000-8000-0000000000f1';

-- A hash stored with other content (a 64-bit collision, made here by hand)
-- fails the write instead of making the event show the other document; a
-- new session, so that nothing is remembered.
UPDATE pz.actions SET action = '{"id": "blue", "features": {"color": "navy"}}'
 WHERE action_id = 'blue' AND loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'lean_a');
\c
SELECT error_of($$SELECT count(*) FROM pz_rank('lean_a', '{}', '[{"id": "blue", "features": {"color": "blue", "price": 4.5}}]')$$);
SELECT error_of($$INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities,
                                         scores, chosen_action, model_version, active)
                  SELECT '50000000-0000-4000-8000-0000000000f2', loop_id, now(), '{}',
                         '[{"id": "blue", "features": {"color": "blue", "price": 4.5}}]', '{blue}', '{1}', '{0}',
                         'blue', 0, true FROM pz.loops WHERE name = 'lean_a'$$);

-- Dropping a loop takes its documents.
SELECT pz_drop_loop('lean_b');
SELECT count(*) AS documents_of_dropped FROM pz.actions WHERE loop_id NOT IN (SELECT loop_id FROM pz.loops);
SELECT pz_drop_loop('lean_a');
DROP TABLE lean_given, lean_items;
DROP FUNCTION dangling();
