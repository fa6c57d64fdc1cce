-- A backend keeps the actions it has featurized: pz_rank's under each
-- action's jsonb bytes, pz_rank_rows' under the row's bytes and the columns
-- read. A call that finds its actions kept gives what reading them afresh
-- gives (the same checks and errors too), and a change of the columns
-- chosen, of the row type or of a row's values is read afresh.
SELECT name FROM pz_create_loop('cache_shop', '{"action_key": "id", "action_features": ["kind"]}');
CREATE TABLE cache_catalog (id text PRIMARY KEY, kind text, price numeric(6, 2), note text);
INSERT INTO cache_catalog VALUES ('a', 'toy', 1.50, 'x'), ('b', 'book', 2.00, NULL), ('c', 'tool', 3.25, 'y');

-- The actions logged by one call of pz_rank_rows with a fixed event id.
CREATE FUNCTION cache_rows_logged(event uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count(*) FROM pz_rank_rows('cache_shop', '{"user": "u1"}',
                                       ARRAY(SELECT c FROM cache_catalog c ORDER BY id),
                                       jsonb_build_object('event_id', event));
    RETURN (SELECT actions FROM pz.events WHERE event_id = event);
END
$$;

-- Read afresh, then kept: the same documents.
SELECT cache_rows_logged('c82c0000-0000-7000-8000-000000000001');
SELECT cache_rows_logged('c82c0000-0000-7000-8000-000000000002');
-- Other columns chosen: the rows are read with them.
SELECT name FROM pz_configure_loop('cache_shop', '{"action_features": ["kind", "price"]}');
SELECT cache_rows_logged('c82c0000-0000-7000-8000-000000000003');
-- A row's new values.
UPDATE cache_catalog SET price = 9.75 WHERE id = 'b';
SELECT cache_rows_logged('c82c0000-0000-7000-8000-000000000004');
-- A renamed column: the kept rows' bytes are unchanged, but the row type's
-- new version no longer has the column chosen.
ALTER TABLE cache_catalog RENAME COLUMN kind TO category;
SELECT cache_rows_logged('c82c0000-0000-7000-8000-000000000005');
SELECT name FROM pz_configure_loop('cache_shop', '{"action_features": ["category", "price"]}');
SELECT cache_rows_logged('c82c0000-0000-7000-8000-000000000006');
-- A NULL key in a row like a kept one is still refused.
UPDATE cache_catalog SET note = NULL WHERE id = 'c';
SELECT count(*) FROM pz_rank_rows('cache_shop', '{}',
    ARRAY(SELECT c FROM cache_catalog c ORDER BY id) || ROW(NULL, 'tool', 3.25, NULL)::cache_catalog, '{"learn": false}');

-- jsonb: kept actions are checked like new ones in every call.
CREATE TABLE cache_actions (name text PRIMARY KEY, actions jsonb);
INSERT INTO cache_actions VALUES
    ('three', '[{"id": "a", "features": {"kind": "toy"}}, {"id": "b", "features": {"kind": "book"}}, {"id": 7, "features": null}]'),
    ('repeated', '[{"id": "a", "features": {"kind": "toy"}}, {"id": "b", "features": {"kind": "book"}}, {"id": "a", "features": {"kind": "toy"}}]'),
    ('same_id', '[{"id": "a", "features": {"kind": "toy"}}, {"id": "a", "features": {"kind": "tool"}}]'),
    ('bad_last', '[{"id": "a", "features": {"kind": "toy"}}, {"id": "b", "features": {"kind": "book"}}, {"id": "d", "features": 3}]'),
    ('bad_number', '[{"id": "a", "features": {"kind": "toy"}}, {"id": "e", "features": {"size": 1e300}}]'),
    ('mixed', '[{"id": "a", "features": {"kind": "toy"}}, "b", {"id": 7, "features": null}]');
CREATE FUNCTION cache_rank(list text, options jsonb DEFAULT '{}') RETURNS TABLE (action_id text, rank integer, probability float8)
LANGUAGE sql AS $$
SELECT r.action_id, r.rank, r.probability
  FROM pz_rank('cache_shop', '{"user": "u1"}', (SELECT actions FROM cache_actions WHERE name = list),
               '{"learn": false, "event_id": "c82c0000-0000-7000-8000-0000000000aa"}'::jsonb || options) AS r
$$;
SELECT * FROM cache_rank('three');
SELECT * FROM cache_rank('three');  -- kept: the same ranking
SELECT * FROM cache_rank('mixed');  -- an id alone among objects
SELECT * FROM cache_rank('three', '{"excluded": ["b"]}');
SELECT * FROM cache_rank('three', '{"excluded": ["a", "b", "7"]}');
SELECT * FROM cache_rank('repeated');
SELECT * FROM cache_rank('same_id');
SELECT * FROM cache_rank('bad_last');
SELECT * FROM cache_rank('bad_number');
SELECT * FROM cache_rank('bad_number');  -- nothing of it was kept
SELECT * FROM cache_rank('three', '{"baseline": "c"}');
-- Logged: the documents and their hashes are those of the actions given.
SELECT count(*) FROM pz_rank('cache_shop', '{}', (SELECT actions FROM cache_actions WHERE name = 'three'),
                             '{"event_id": "c82c0000-0000-7000-8000-0000000000ab"}');
SELECT e.actions = (SELECT actions FROM cache_actions WHERE name = 'three') AS as_given,
       (SELECT bool_and(EXISTS (SELECT FROM pz.actions a WHERE a.loop_id = e.loop_id
                                   AND a.action_hash = pz.action_hash(x) AND a.action = x))
          FROM jsonb_array_elements(e.actions) AS x) AS stored_under_their_hashes
  FROM pz.events e WHERE e.event_id = 'c82c0000-0000-7000-8000-0000000000ab';
