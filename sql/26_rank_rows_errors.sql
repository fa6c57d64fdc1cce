-- pz_rank_rows rejects bad input with 22023 naming the column or the
-- position, and writes nothing.
SELECT name FROM pz_create_loop('rows_bad');
CREATE TABLE rb_items (id text, price numeric);
INSERT INTO rb_items VALUES ('a', 1), ('b', 2);
CREATE TABLE rb_no_id (sku text, price numeric);
INSERT INTO rb_no_id VALUES ('a', 1);
SELECT rows_logged();
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY[1, 2])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY['a', 'b'])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY['{}'::jsonb])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_no_id c))$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY[ROW('a', 1)::rb_items, ROW(NULL, 2)::rb_items])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY[ROW('a', 1)::rb_items, ROW('a', 2)::rb_items])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY[ROW('a', 1)::rb_items, NULL])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY[ROW('', 1)::rb_items])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY[ROW('a', 'NaN')::rb_items])$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c), '{"excluded": ["a", "b"]}')$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c), '{"baseline": "zzz"}')$$,
  $$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c), '{"colour": 1}')$$,
  $$SELECT pz_rank_rows('rows_bad', '[]', ARRAY(SELECT c FROM rb_items c))$$,
  $$SELECT pz_rank_rows('rows_bad', NULL, ARRAY(SELECT c FROM rb_items c))$$,
  $$SELECT pz_rank_rows(NULL, '{}', ARRAY(SELECT c FROM rb_items c))$$,
  $$SELECT pz_rank_rows('no_such_loop', '{}', ARRAY(SELECT c FROM rb_items c))$$
]) AS q;
SELECT rows_logged();

-- Settings: an unknown column in action_features, bad values.
SELECT name FROM pz_configure_loop('rows_bad', '{"action_features": ["price", "colour"]}');
SELECT error_of($$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c))$$);
SELECT name FROM pz_configure_loop('rows_bad', '{"action_features": null, "action_key": "sku"}');
SELECT error_of($$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c))$$);
SELECT name FROM pz_configure_loop('rows_bad', '{"action_key": null}');
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_configure_loop('rows_bad', '{"action_key": ""}')$$,
  $$SELECT pz_configure_loop('rows_bad', '{"action_key": 1}')$$,
  $$SELECT pz_configure_loop('rows_bad', '{"action_features": "price"}')$$,
  $$SELECT pz_configure_loop('rows_bad', '{"action_features": ["price", "price"]}')$$,
  $$SELECT pz_configure_loop('rows_bad', '{"action_features": [""]}')$$,
  $$SELECT pz_configure_loop('rows_bad', '{"action_features": [1]}')$$
]) AS q;
SELECT rows_logged();

-- pz_app may rank rows; PUBLIC may not.
CREATE ROLE regress_rows_app IN ROLE pz_app;
CREATE ROLE regress_rows_nobody;
GRANT SELECT ON rb_items TO regress_rows_app, regress_rows_nobody;
SET ROLE regress_rows_app;
SELECT count(*) FROM pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c), '{"learn": false}');
RESET ROLE;
SET ROLE regress_rows_nobody;
SELECT error_of($$SELECT pz_rank_rows('rows_bad', '{}', ARRAY(SELECT c FROM rb_items c))$$);
RESET ROLE;
REVOKE SELECT ON rb_items FROM regress_rows_app, regress_rows_nobody;
DROP ROLE regress_rows_app, regress_rows_nobody;
