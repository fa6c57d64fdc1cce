-- pz.action_cache_size bounds each of a backend's two caches of featurized
-- actions (pz_rank's jsonb actions, pz_rank_rows' rows): a superuser setting,
-- as the other limits are; at 0 nothing is kept between calls, and the
-- decisions are those of a cache of any size.
SHOW pz.action_cache_size;
SELECT name FROM pz_create_loop('cache_size', '{"action_key": "item_id", "action_features": ["category"]}');
CREATE TABLE cache_size_items AS
SELECT 'i' || g AS item_id, 'c' || g % 3 AS category FROM generate_series(1, 30) AS g;

-- Each form's ranking: every action once, and (the loop untrained) each
-- equally likely at rank 1, 1/30.
CREATE FUNCTION cache_size_calls() RETURNS TABLE (form text, actions bigint, distinct_ids bigint, probabilities text)
LANGUAGE sql AS $$
SELECT 'jsonb', count(*), count(DISTINCT action_id), string_agg(DISTINCT round(probability::numeric, 4)::text, ' ')
  FROM pz_rank('cache_size', '{"u": 1}',
               (SELECT jsonb_agg(jsonb_build_object('id', item_id, 'features', jsonb_build_object('category', category)))
                  FROM cache_size_items), '{"learn": false}')
UNION ALL
SELECT 'rows', count(*), count(DISTINCT (item).item_id), string_agg(DISTINCT round(probability::numeric, 4)::text, ' ')
  FROM pz_rank_rows('cache_size', '{"u": 1}', ARRAY(SELECT c FROM cache_size_items c), '{"learn": false}')
$$;
SELECT * FROM cache_size_calls();
SET pz.action_cache_size = 0;
SHOW pz.action_cache_size;
SELECT * FROM cache_size_calls();
SELECT * FROM cache_size_calls();
SET pz.action_cache_size = '64kB';
SELECT * FROM cache_size_calls();
RESET pz.action_cache_size;

SELECT error_of($$SET pz.action_cache_size = -1$$) AS negative;
SELECT error_of($$SET pz.action_cache_size = '2GB'$$) AS too_large;
CREATE ROLE cache_size_user;
SET ROLE cache_size_user;
SELECT error_of($$SET pz.action_cache_size = '1GB'$$) AS not_superuser;
RESET ROLE;
DROP ROLE cache_size_user;
DROP FUNCTION cache_size_calls();
DROP TABLE cache_size_items;
