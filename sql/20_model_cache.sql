-- pz.model_cache: the models kept for ranking, one row per copy. The test
-- server preloads pz, so a loop version is one copy in shared memory for all
-- backends, sized exactly by its weights (4 bytes each, 2^bits of them).
SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'pz.model_cache'::regclass AND attnum > 0
 ORDER BY attnum;

SELECT loop_id AS loop_id FROM pz_create_loop('cached', '{"bits": 12, "reward_wait": "0 seconds"}') \gset
SELECT count(*) AS before_any_rank FROM pz.model_cache WHERE loop = 'cached';

-- The first rank call loads the untrained model (version 0).
SELECT count(*) FROM pz_rank('cached', '{"user": {"segment": "a"}}', '["x", "y"]');
SELECT loop, model_version, bytes, shared, backends, this_backend
  FROM pz.model_cache WHERE loop = 'cached';

-- A new version replaces it: the only backend that used version 0 moves on,
-- so that copy is gone, not kept beside the new one.
SELECT pz_reward(event_id, 1) FROM pz_rank('cached', '{"user": {"segment": "a"}}', '["x", "y"]')
 WHERE rank = 1;
SELECT (pz_train('cached') ->> 'model_version')::bigint AS trained_version;
SELECT count(*) FROM pz_rank('cached', '{"user": {"segment": "a"}}', '["x", "y"]');
SELECT loop, model_version, bytes, shared, backends, this_backend
  FROM pz.model_cache WHERE loop = 'cached';

-- Scores come from the shared copy: the trained preference shows.
SELECT action_id, score > 0 AS learned
  FROM pz_rank('cached', '{"user": {"segment": "a"}}', '["x", "y"]', '{"learn": false}')
 ORDER BY action_id;

-- An application role sees the cache too (it ranks; it cannot change loops).
CREATE ROLE regress_cache_app;
GRANT pz_app TO regress_cache_app;
SET ROLE regress_cache_app;
SELECT loop, model_version, shared FROM pz.model_cache WHERE loop = 'cached';
RESET ROLE;
DROP ROLE regress_cache_app;

-- A stored version that cannot be read: the rank call fails with the model's
-- error and leaves no half-made copy behind; once the version is readable
-- again, the next call loads it.
SELECT pz_reward(event_id, 1) FROM pz_rank('cached', '{"user": {"segment": "b"}}', '["x", "y"]')
 WHERE rank = 1;
SELECT (pz_train('cached') ->> 'model_version')::bigint AS trained_version;
CREATE TEMP TABLE good AS SELECT weights FROM pz.models WHERE loop_id = :loop_id AND version = 2;
UPDATE pz.models SET weights = substr(weights, 1, 40) WHERE loop_id = :loop_id AND version = 2;
SELECT error_of($$SELECT count(*) FROM pz_rank('cached', '{}', '["x"]')$$);
SELECT model_version, backends FROM pz.model_cache WHERE loop = 'cached';
UPDATE pz.models SET weights = (SELECT weights FROM good) WHERE loop_id = :loop_id AND version = 2;
SELECT count(*) FROM pz_rank('cached', '{}', '["x"]');
SELECT model_version, backends FROM pz.model_cache WHERE loop = 'cached';

-- At most 128 loop versions are shared at once: past that, a backend keeps
-- a private copy, and ranking works the same.
SELECT count(pz_create_loop('many_' || g, '{"bits": 10}')) FROM generate_series(1, 130) AS g;
SELECT count(*) FROM generate_series(1, 130) AS g,
       LATERAL pz_rank('many_' || g, '{}', '["x", "y"]', '{"learn": false}') AS r;
SELECT shared, count(*) AS copies, min(bytes) AS min_bytes, max(bytes) AS max_bytes, sum(backends) AS backends
  FROM pz.model_cache WHERE loop LIKE 'many\_%' OR loop = 'cached'
 GROUP BY shared ORDER BY shared;
SELECT count(pz_drop_loop('many_' || g)) FROM generate_series(1, 130) AS g;
-- Dropped, their copies go at this backend's next rank call, on any loop.
SELECT count(*) AS copies_of_dropped_loops FROM pz.model_cache WHERE loop IS NULL;
SELECT count(*) FROM pz_rank('cached', '{}', '["x"]', '{"learn": false}');
SELECT count(*) AS copies_of_dropped_loops FROM pz.model_cache WHERE loop IS NULL;

-- A dropped loop's copy goes once no backend uses it (this one forgets it at
-- its next look-up of the loop).
SELECT pz_drop_loop('cached');
SELECT error_of($$SELECT count(*) FROM pz_rank('cached', '{}', '["x"]')$$);
SELECT count(*) AS after_drop FROM pz.model_cache WHERE loop_id = :loop_id;
