-- pz_rank_rows returns its rows in rank order, so the recommended statement
-- takes the top rows WITH ORDINALITY: ORDER BY ordinality needs no sort (a
-- function scan's rows come in ordinality order), where ORDER BY rank sorts
-- every candidate row, item included, to keep a few.
SELECT name FROM pz_create_loop('order_shop', '{"action_key": "item_id", "exploration": 0.5}');
CREATE TABLE order_catalog (item_id text PRIMARY KEY, category text, price numeric(8, 2), in_stock boolean);
INSERT INTO order_catalog
SELECT 'item' || i, (ARRAY['toys', 'books', 'garden'])[1 + i % 3], i * 1.25, i % 4 <> 0
  FROM generate_series(1, 60) AS i;

-- For every call, logged or not, with options that change the ranking: the
-- n-th row out has rank n.
CREATE FUNCTION order_mismatches(options jsonb) RETURNS bigint
LANGUAGE sql AS $$
SELECT count(*) FILTER (WHERE r.ordinality <> r.rank)
  FROM generate_series(1, 20) AS call,
       LATERAL pz_rank_rows('order_shop', jsonb_build_object('user', 'u' || call),
                            ARRAY(SELECT c FROM order_catalog c WHERE in_stock), options) WITH ORDINALITY AS r
$$;
SELECT order_mismatches('{"learn": false}') AS unlogged, order_mismatches('{}') AS logged,
       order_mismatches('{"learn": false, "excluded": ["item1", "item2"]}') AS excluded,
       order_mismatches('{"learn": false, "exploration": 0}') AS greedy,
       order_mismatches('{"learn": false, "slots": 3}') AS slots,
       order_mismatches('{"learn": false, "baseline": "item7"}') AS baseline;

-- The recommended statement and the one ordering by rank give the same rows
-- (the same event id: the same random draws).
CREATE FUNCTION order_top(by_ordinality boolean) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    options constant jsonb := '{"learn": false, "event_id": "00000000-0000-4000-8000-000000007801"}';
BEGIN
    IF by_ordinality THEN
        RETURN ARRAY(SELECT (r.item).item_id || ' ' || r.rank
                       FROM pz_rank_rows('order_shop', '{"user": "u1"}', ARRAY(SELECT c FROM order_catalog c WHERE in_stock),
                                         options) WITH ORDINALITY AS r
                      ORDER BY r.ordinality LIMIT 5);
    END IF;
    RETURN ARRAY(SELECT (r.item).item_id || ' ' || r.rank
                   FROM pz_rank_rows('order_shop', '{"user": "u1"}', ARRAY(SELECT c FROM order_catalog c WHERE in_stock),
                                     options) AS r
                  ORDER BY r.rank LIMIT 5);
END
$$;
SELECT order_top(true) = order_top(false) AS same_rows, cardinality(order_top(true)) AS shown;

-- No sort in its plan.
EXPLAIN (COSTS OFF)
SELECT (r.item).item_id, r.rank, r.probability, r.event_id
  FROM pz_rank_rows('order_shop', '{}', ARRAY(SELECT c FROM order_catalog c WHERE in_stock)) WITH ORDINALITY AS r
 ORDER BY r.ordinality LIMIT 10;

-- Duplicate ids are still found, by position, in either form.
SELECT count(*) FROM pz_rank_rows('order_shop', '{}',
                                  ARRAY(SELECT c FROM order_catalog c UNION ALL SELECT c FROM order_catalog c WHERE item_id = 'item59'),
                                  '{"learn": false}');
SELECT count(*) FROM pz_rank('order_shop', '{}',
                             (SELECT jsonb_agg(item_id ORDER BY item_id) || '["item42"]' FROM order_catalog), '{"learn": false}');
SELECT count(*) FROM pz_rank('order_shop', '{}',
                             (SELECT jsonb_agg(item_id ORDER BY item_id) FROM order_catalog), '{"learn": false}');

-- The documents logged for rows are kept per backend under each row's bytes
-- and columns chosen: what is logged stays what to_jsonb gives, whether kept
-- or not, after the features chosen change and after the table does.
CREATE FUNCTION order_logged_as_to_jsonb(event uuid) RETURNS boolean
LANGUAGE sql AS $$
SELECT e.actions = (SELECT jsonb_agg(jsonb_build_object('id', a ->> 'id', 'features',
                                                        (SELECT jsonb_strip_nulls(to_jsonb(c) - 'item_id') FROM order_catalog c
                                                          WHERE c.item_id = a ->> 'id')) ORDER BY n)
                      FROM jsonb_array_elements(e.actions) WITH ORDINALITY AS x(a, n))
  FROM pz.events e WHERE e.event_id = event
$$;
UPDATE order_catalog SET category = NULL WHERE item_id IN ('item5', 'item6');
CREATE FUNCTION order_rank(event uuid) RETURNS bigint
LANGUAGE sql AS $$
SELECT count(*) FROM pz_rank_rows('order_shop', '{}', ARRAY(SELECT c FROM order_catalog c WHERE in_stock),
                                  jsonb_build_object('event_id', event))
$$;
SELECT order_rank('00000000-0000-4000-8000-000000007811'), order_rank('00000000-0000-4000-8000-000000007812');
SELECT order_logged_as_to_jsonb('00000000-0000-4000-8000-000000007811') AS first,
       order_logged_as_to_jsonb('00000000-0000-4000-8000-000000007812') AS kept,
       (SELECT count(*) FROM pz.events e, jsonb_array_elements(e.actions) AS a
         WHERE e.event_id = '00000000-0000-4000-8000-000000007812' AND NOT a -> 'features' ? 'category') AS without_category;
SELECT name FROM pz_configure_loop('order_shop', '{"action_features": ["price"]}');
SELECT order_rank('00000000-0000-4000-8000-000000007813');
SELECT DISTINCT jsonb_object_keys(a -> 'features') AS features_logged
  FROM pz.events e, jsonb_array_elements(e.actions) AS a WHERE e.event_id = '00000000-0000-4000-8000-000000007813';
SELECT name FROM pz_configure_loop('order_shop', '{"action_features": null}');
ALTER TABLE order_catalog ADD COLUMN brand text DEFAULT 'acme';
SELECT order_rank('00000000-0000-4000-8000-000000007814');
SELECT order_logged_as_to_jsonb('00000000-0000-4000-8000-000000007814') AS after_alter,
       (SELECT count(*) FROM pz.events e, jsonb_array_elements(e.actions) AS a
         WHERE e.event_id = '00000000-0000-4000-8000-000000007814' AND a -> 'features' ->> 'brand' = 'acme') AS with_brand;

SELECT pz_drop_loop('order_shop');
DROP FUNCTION order_mismatches(jsonb), order_top(boolean), order_logged_as_to_jsonb(uuid), order_rank(uuid);
DROP TABLE order_catalog;
