-- Learning and evaluation do not depend on the form the actions came in: the
-- same candidates as rows (pz_rank_rows) and as jsonb (pz_rank) give the same
-- features, hence the same scores, probabilities and logged events, and the
-- same models when learned.
CREATE TYPE rl_kind AS ENUM ('toy', 'book', 'tool');
CREATE DOMAIN rl_label AS varchar(10);
CREATE TYPE rl_size AS (w float4, h int2, label text);
CREATE TABLE rl_catalog (sku integer PRIMARY KEY, title varchar(30), kind rl_kind, big int8, price numeric(8, 2),
                         f4 float4, f8 float8, fresh boolean, tags text[], grid integer[], attrs jsonb,
                         size rl_size, label rl_label);
INSERT INTO rl_catalog
SELECT i, 'Item ' || i, (ARRAY['toy', 'book', 'tool'])[1 + i % 3]::rl_kind, i * 1000000007::int8, (i * 3.7)::numeric(8, 2),
       i / 7.0, i / 3.0, i % 2 = 0, ARRAY['t' || i % 4, 'u' || i % 5], ARRAY[i % 3, NULL, i],
       jsonb_build_object('color', 'c' || i % 4, 'weight', i * 0.25, 'tags', jsonb_build_array(i % 2, 'x')),
       ROW(i * 0.5, i % 7, 's' || i % 2)::rl_size, CASE WHEN i % 3 = 0 THEN NULL ELSE 'L' || i % 3 END
  FROM generate_series(1, 12) AS i;

-- The jsonb form of a row: {"id": key as text, "features": the other non-null columns}.
CREATE FUNCTION rl_action(c rl_catalog) RETURNS jsonb
LANGUAGE sql AS $$ SELECT jsonb_build_object('id', c.sku::text, 'features', jsonb_strip_nulls(to_jsonb(c) - 'sku')) $$;

-- Two loops learn the same stream, one from rows and one from jsonb. In
-- apprentice mode the baseline is shown with probability 1, so both make the
-- same decisions and get the same rewards; event ids keep the same order.
SELECT name FROM pz_create_loop('rows_learn_rows', '{"action_key": "sku", "mode": "apprentice", "reward_wait": "0 seconds"}');
SELECT name FROM pz_create_loop('rows_learn_json', '{"mode": "apprentice", "reward_wait": "0 seconds"}');
CREATE FUNCTION rl_play(first integer, last integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    context jsonb;
    shown text;
    event uuid;
BEGIN
    FOR i IN first..last LOOP
        context := jsonb_build_object('user', jsonb_build_object('segment', 's' || i % 3, 'age', 20 + i % 40),
                                      'device', CASE WHEN i % 2 = 0 THEN 'mobile' ELSE 'desktop' END);
        SELECT r.event_id, r.action_id INTO event, shown
          FROM pz_rank_rows('rows_learn_rows', context, ARRAY(SELECT c FROM rl_catalog c ORDER BY sku),
                            jsonb_build_object('event_id', '00000000-0000-7000-8000-' || lpad(i::text, 12, '0'),
                                               'baseline', (1 + i * 5 % 12)::text)) AS r
         WHERE r.rank = 1;
        IF shown::integer % 3 = i % 3 THEN PERFORM pz_reward(event, 1); END IF;
        SELECT r.event_id, r.action_id INTO event, shown
          FROM pz_rank('rows_learn_json', context, (SELECT jsonb_agg(rl_action(c) ORDER BY sku) FROM rl_catalog c),
                       jsonb_build_object('event_id', '00000001-0000-7000-8000-' || lpad(i::text, 12, '0'),
                                          'baseline', (1 + i * 5 % 12)::text)) AS r
         WHERE r.rank = 1;
        IF shown::integer % 3 = i % 3 THEN PERFORM pz_reward(event, 1); END IF;
    END LOOP;
END
$$;
-- The logged events of the two loops, pair by pair: the same candidates,
-- choice and score of each action (the order of actions tied after the
-- first comes from the event id).
CREATE FUNCTION rl_scores_by_id(ranking text[], scores float8[]) RETURNS float8[]
LANGUAGE sql AS $$ SELECT array_agg(s ORDER BY id) FROM unnest(ranking, scores) AS u(id, s) $$;
CREATE VIEW rl_pairs AS
SELECT r.event_id AS rows_event, r.context = j.context AND r.actions = j.actions AND r.ranking[1] = j.ranking[1]
       AND r.probabilities = j.probabilities
       AND rl_scores_by_id(r.ranking, r.scores) = rl_scores_by_id(j.ranking, j.scores) AS identical,
       r.scores <> array_fill(0::float8, ARRAY[12]) AS scored
  FROM pz.events r JOIN pz.events j ON substr(j.event_id::text, 9) = substr(r.event_id::text, 9)
 WHERE r.loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'rows_learn_rows')
   AND j.loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'rows_learn_json');
CREATE VIEW rl_models AS
SELECT r.version, r.examples, r.weights = j.weights AS same_weights
  FROM pz.models r JOIN pz.models j USING (version)
 WHERE r.loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'rows_learn_rows')
   AND j.loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'rows_learn_json');

SELECT rl_play(1, 120);
SELECT pz_train('rows_learn_rows')->'learned' AS rows_learned, pz_train('rows_learn_json')->'learned' AS json_learned;
-- The second half is scored by the models learned from the first.
SELECT rl_play(121, 240);
SELECT pz_train('rows_learn_rows')->'learned' AS rows_learned, pz_train('rows_learn_json')->'learned' AS json_learned;
SELECT count(*) AS pairs, count(*) FILTER (WHERE identical) AS identical, count(*) FILTER (WHERE scored) AS scored
  FROM rl_pairs;
SELECT * FROM rl_models ORDER BY version;
-- Evaluation reads the two logs alike.
SELECT (SELECT array_agg(format('%s %s %s %s', policy, estimator, value, events) ORDER BY policy, estimator)
          FROM pz_evaluate('rows_learn_rows'))
     = (SELECT array_agg(format('%s %s %s %s', policy, estimator, value, events) ORDER BY policy, estimator)
          FROM pz_evaluate('rows_learn_json')) AS same_evaluation;

-- One online decision with a trained model and a fixed event id, in both
-- forms: the same scores, probabilities, ranking and logged event.
SELECT name FROM pz_configure_loop('rows_learn_rows', '{"mode": "online"}');
CREATE TABLE rl_decisions AS
SELECT 'rows' AS form, r.action_id, r.rank, r.probability, r.score
  FROM pz_rank_rows('rows_learn_rows', '{"user": {"segment": "s1", "age": 33}, "device": "mobile"}',
                    ARRAY(SELECT c FROM rl_catalog c ORDER BY sku),
                    '{"event_id": "00000000-0000-7000-8000-0000000270e1"}') AS r;
CREATE TABLE rl_logged AS SELECT 'rows' AS form, actions, ranking, probabilities, scores
  FROM pz.events WHERE event_id = '00000000-0000-7000-8000-0000000270e1';
DELETE FROM pz.events WHERE event_id = '00000000-0000-7000-8000-0000000270e1';
INSERT INTO rl_decisions
SELECT 'jsonb', r.action_id, r.rank, r.probability, r.score
  FROM pz_rank('rows_learn_rows', '{"user": {"segment": "s1", "age": 33}, "device": "mobile"}',
               (SELECT jsonb_agg(rl_action(c) ORDER BY sku) FROM rl_catalog c),
               '{"event_id": "00000000-0000-7000-8000-0000000270e1"}') AS r;
INSERT INTO rl_logged SELECT 'jsonb', actions, ranking, probabilities, scores
  FROM pz.events WHERE event_id = '00000000-0000-7000-8000-0000000270e1';
SELECT count(*) AS actions, count(*) FILTER (WHERE r.rank = j.rank AND r.probability = j.probability
                                                  AND r.score = j.score) AS identical,
       count(DISTINCT r.score) > 1 AS scores_differ
  FROM rl_decisions r JOIN rl_decisions j USING (action_id) WHERE r.form = 'rows' AND j.form = 'jsonb';
SELECT r.actions = j.actions AS same_actions, r.ranking = j.ranking AS same_ranking,
       r.probabilities = j.probabilities AS same_probabilities, r.scores = j.scores AS same_scores
  FROM rl_logged r, rl_logged j WHERE r.form = 'rows' AND j.form = 'jsonb';
