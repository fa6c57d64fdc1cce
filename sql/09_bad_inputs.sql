-- The bad-input catalogue beyond the per-function tests: extreme documents and
-- hostile strings. Each is rejected with its SQLSTATE and writes nothing, or is
-- accepted as documented.
SELECT name FROM pz_create_loop('hardened');
CREATE FUNCTION hardened_rows() RETURNS text LANGUAGE sql AS $$
SELECT format('events=%s rewards=%s',
              (SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'hardened'),
              (SELECT count(*) FROM pz.rewards r JOIN pz.events e USING (event_id) JOIN pz.loops l USING (loop_id)
                WHERE l.name = 'hardened'))
$$;

-- Rejected by PostgreSQL's own jsonb input before pz sees them: NaN, infinity,
-- invalid unicode escapes, malformed JSON.
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_rank('hardened', '{"price": NaN}', '["a"]')$$,
  $$SELECT pz_rank('hardened', '{"price": Infinity}', '["a"]')$$,
  $$SELECT pz_rank('hardened', '{"name": "\ud800"}', '["a"]')$$,
  $$SELECT pz_rank('hardened', '{}', '["\uZZZZ"]')$$,
  $$SELECT pz_rank('hardened', '{"a": }', '["a"]')$$,
  $$SELECT pz_create_loop('hardened2', '{"exploration": NaN}')$$
]) AS q;

-- Numbers jsonb holds but a float cannot: rejected by pz.
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_rank('hardened', '{"user": {"score": 1e309}}', '["a"]')$$,
  $$SELECT pz_rank('hardened', '{}', '[{"id": "a", "features": {"tags": [1, 2, -1e400]}}]')$$,
  $$SELECT pz_rank('hardened', '{}', '["a"]', '{"excluded": [1e400]}')$$
]) AS q;
SELECT hardened_rows();

-- Accepted: deep nesting (flattened to dotted paths), wide documents, hostile strings
-- stored verbatim, and 100,000 actions.
SELECT count(*) FROM pz_rank('hardened',
  (SELECT (repeat('{"k": ', 200) || '"deep"' || repeat('}', 200))::jsonb),
  '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-0000000000e1"}');
SELECT count(*) FROM pz_rank('hardened',
  (SELECT jsonb_object_agg('key' || i, i) FROM generate_series(1, 5000) AS i),
  '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-0000000000e2"}');
SELECT action_id, length(action_id) FROM pz_rank('hardened',
  jsonb_build_object('q', $q$'; DROP TABLE pz.events; --$q$, 'b', E'back\\slash "quoted"'),
  jsonb_build_array($q$Robert'); DROP TABLE pz.events;--$q$, E'\\"\\\\', 'ünïcødé ✓'),
  '{"event_id": "00000000-0000-4000-8000-0000000000e3"}')
 ORDER BY action_id;
SELECT context, ranking @> ARRAY[$q$Robert'); DROP TABLE pz.events;--$q$] AS stored
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000000e3';
SELECT pz_reward('00000000-0000-4000-8000-0000000000e3', 1, $q$'; DELETE FROM pz.rewards; --$q$);
SELECT signal FROM pz.rewards WHERE event_id = '00000000-0000-4000-8000-0000000000e3';
SELECT count(*) AS rows, abs(sum(probability) - 1) < 1e-9 AS sums_to_one
  FROM pz_rank('hardened', '{"user": {"segment": "x"}}',
               (SELECT jsonb_agg(jsonb_build_object('id', i, 'features', jsonb_build_object('f', i % 10)))
                  FROM generate_series(1, 100000) AS i),
               '{"learn": false}');

-- Too deep for PostgreSQL itself: rejected by jsonb input (stack depth), nothing written.
SELECT error_of($$SELECT pz_rank('hardened', (SELECT (repeat('[', 100000) || repeat(']', 100000))::jsonb), '["a"]')$$)
       LIKE '54001:%' AS too_deep;
SELECT hardened_rows();

-- An evaluation whose replayed models could not fit in memory is refused
-- before its models are allocated.
-- (pz.max_model_memory, lower, would refuse each candidate's bits first.)
SET pz.max_model_memory = '4GB';
SELECT error_of($$SELECT * FROM pz_evaluate('hardened', candidates => '{"a": {"bits": 28}, "b": {"bits": 28}}')$$);
RESET pz.max_model_memory;
