-- pz_rank_rows: candidates as rows of a composite type, featurized from the
-- tuples; each row comes back as `item`; the event logged is pz_rank's.
SELECT name FROM pz_create_loop('rows_shop');
-- Events of the loops of these tests (rows_*), to show what a call wrote.
CREATE FUNCTION rows_logged() RETURNS bigint
LANGUAGE sql AS $$
SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name LIKE 'rows\_%'
$$;
CREATE TYPE rr_kind AS ENUM ('toy', 'book', 'tool');
CREATE DOMAIN rr_label AS text;
CREATE DOMAIN rr_count AS integer CHECK (VALUE >= 0);
CREATE TYPE rr_size AS (w float8, h integer, label text);
CREATE TABLE rr_catalog (
    id     text PRIMARY KEY,
    title  varchar(30),
    kind   rr_kind,
    small  int2,
    medium int4,
    big    int8,
    price  numeric(8, 2),
    f4     float4,
    f8     float8,
    fresh  boolean,
    tags   text[],
    grid   integer[],
    attrs  jsonb,
    size   rr_size,
    label  rr_label,
    stock  rr_count,
    note   text
);
INSERT INTO rr_catalog VALUES
    ('a', 'Alpha', 'toy', 1, 2, 3, 9.99, 0.1, 0.30000000000000004, true, '{red,new}', '{1,NULL,3}',
     '{"k": "v", "n": [1, 2], "deep": {"x": true}}', ROW(1.5, 2, 'big'), 'L1', 5, NULL),
    ('b', 'Beta', 'book', -1, 0, 1234567890123, 0.50, 1.5, -2.5e-7, false, '{}', '{{1,2},{3,4}}',
     '"plain"', ROW(NULL, 3, 'small'), 'L2', 0, NULL),
    ('c', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Every row ranked once; item is the row itself (no join back needed).
SELECT r.action_id, r.rank > 0 AS ranked, r.probability, r.score, (r.item).title, (r.item).kind,
       r.item IS NOT DISTINCT FROM c AS same_row, pg_typeof(r.item) AS item_type
  FROM pz_rank_rows('rows_shop', '{"user": {"segment": "budget"}}',
                    ARRAY(SELECT c FROM rr_catalog c ORDER BY id),
                    '{"event_id": "00000000-0000-4000-8000-0000000025a1"}') AS r
  JOIN rr_catalog c ON c.id = r.action_id
 ORDER BY r.action_id;

-- The event is pz_rank's: each candidate {"id", "features"}, a column a
-- feature, NULL columns left out, values as to_jsonb writes them.
SELECT jsonb_pretty(actions) AS actions, cardinality(ranking) AS ranked, model_version, active
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a1';
SELECT actions = (SELECT jsonb_agg(jsonb_build_object('id', id, 'features', jsonb_strip_nulls(to_jsonb(c) - 'id'))
                                   ORDER BY id) FROM rr_catalog c) AS logged_as_to_jsonb
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a1';

-- The recommended one-statement query: filter, rank, show the top rows.
SELECT (r.item).id, (r.item).title, r.rank
  FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c WHERE c.price <= 50 ORDER BY id),
                    '{"learn": false, "event_id": "00000000-0000-4000-8000-0000000025b1"}') AS r
 ORDER BY r.rank LIMIT 1;
-- array_agg(c) works as well; rows of an anonymous record type too.
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', (SELECT array_agg(c) FROM rr_catalog c), '{"learn": false}');
SELECT name FROM pz_create_loop('rows_records', '{"action_key": "f1"}');
SELECT r.action_id, r.item
  FROM pz_rank_rows('rows_records', '{}', ARRAY[ROW('x', 1), ROW('y', 2)], '{"learn": false}') AS r
 ORDER BY r.action_id;
SELECT rows_logged();

-- Options as pz_rank's: deferred, baseline, excluded, learn.
SELECT count(*) AS rows, bool_and(event_id = '00000000-0000-4000-8000-0000000025a2') AS same_event
  FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c ORDER BY id),
                    '{"event_id": "00000000-0000-4000-8000-0000000025a2", "deferred": true, "baseline": "b", "excluded": ["c", "zzz"]}');
SELECT active, baseline, ranking, jsonb_path_query_array(actions, '$[*].id') AS logged_ids
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a2';
SELECT count(*) AS rows, count(event_id) AS event_ids
  FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c), '{"learn": false}');

-- Empty or NULL: no rows, nothing logged.
SELECT rows_logged();
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c WHERE false));
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', (SELECT array_agg(c) FROM rr_catalog c WHERE false));
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', NULL::rr_catalog[]);
SELECT rows_logged();

-- action_key names the id column (any type: its text); action_features picks
-- the feature columns.
SELECT name FROM pz_configure_loop('rows_shop', '{"action_key": "stock", "action_features": ["price", "kind"]}');
SELECT r.action_id, (r.item).id
  FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c WHERE id <> 'c' ORDER BY id),
                    '{"event_id": "00000000-0000-4000-8000-0000000025a3"}') AS r
 ORDER BY r.action_id;
SELECT jsonb_pretty(actions) AS actions FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a3';
SELECT name FROM pz_configure_loop('rows_shop', '{"action_key": null, "action_features": null}');
SELECT settings->'action_key' AS action_key, settings->'action_features' AS action_features
  FROM pz.loops WHERE name = 'rows_shop';

-- A changed row type is read afresh (the per-backend plan follows the type).
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c), '{"learn": false}');
ALTER TABLE rr_catalog ADD COLUMN extra text DEFAULT 'added';
ALTER TABLE rr_catalog DROP COLUMN note;
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c ORDER BY id),
                                  '{"event_id": "00000000-0000-4000-8000-0000000025a4"}');
SELECT actions->0->'features'->'extra' AS extra, actions->0->'features' ? 'note' AS has_note
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a4';

-- Nested composites (also under a domain) and arrays of them flatten as
-- jsonb objects do.
CREATE DOMAIN rr_size_domain AS rr_size;
CREATE TABLE rr_nested (id integer, dims rr_size[], inner_row rr_catalog, wrapped rr_size_domain);
INSERT INTO rr_nested SELECT 7, ARRAY[ROW(1, 2, 'a'), NULL]::rr_size[], c, ROW(0.5, 1, 'w')::rr_size::rr_size_domain
  FROM rr_catalog c WHERE id = 'b';
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT n FROM rr_nested n),
                                  '{"event_id": "00000000-0000-4000-8000-0000000025a5"}');
SELECT e.actions->0 = jsonb_build_object('id', '7', 'features', jsonb_strip_nulls(to_jsonb(n) - 'id')) AS as_to_jsonb,
       jsonb_pretty(e.actions->0->'features'->'dims') AS dims
  FROM pz.events e, rr_nested n WHERE e.event_id = '00000000-0000-4000-8000-0000000025a5';

-- A changed nested type is read afresh too.
ALTER TYPE rr_size ADD ATTRIBUTE depth integer;
UPDATE rr_nested SET dims = ARRAY[ROW(1, 2, 'a', 9)]::rr_size[];
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT n FROM rr_nested n),
                                  '{"event_id": "00000000-0000-4000-8000-0000000025a8"}');
SELECT e.actions->0 = jsonb_build_object('id', '7', 'features', jsonb_strip_nulls(to_jsonb(n) - 'id')) AS as_to_jsonb,
       e.actions->0->'features'->'dims' AS dims
  FROM pz.events e, rr_nested n WHERE e.event_id = '00000000-0000-4000-8000-0000000025a8';

-- A rolled-back transaction leaves no event.
BEGIN;
SELECT count(*) FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c),
                                  '{"event_id": "00000000-0000-4000-8000-0000000025a6"}');
ROLLBACK;
SELECT count(*) AS rolled_back FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a6';

-- A rank call nested in another (a trigger on the log) does not disturb the
-- outer call's candidates.
CREATE FUNCTION rr_nested_rank() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Called under pz's pinned search_path: names qualified.
    PERFORM count(*) FROM public.pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM public.rr_catalog c),
                                              '{"learn": false}');
    PERFORM count(*) FROM public.pz_rank('rows_shop', '{}', '["x", "y", "z"]', '{"learn": false}');
    RETURN NULL;
END
$$;
CREATE TRIGGER rr_nested AFTER INSERT ON pz.decisions FOR EACH ROW EXECUTE FUNCTION rr_nested_rank();
SELECT r.action_id, (r.item).id = r.action_id AS same_item
  FROM pz_rank_rows('rows_shop', '{}', ARRAY(SELECT c FROM rr_catalog c ORDER BY id),
                    '{"event_id": "00000000-0000-4000-8000-0000000025a7"}') AS r
 ORDER BY r.action_id;
SELECT jsonb_path_query_array(actions, '$[*].id') AS logged_ids
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000025a7';
DROP TRIGGER rr_nested ON pz.decisions;
