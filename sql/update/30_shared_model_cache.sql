-- One model per server: with pz preloaded, ranking reads each loop version's
-- weights from one copy in shared memory that every backend maps. The
-- pz.model_cache view shows those copies (and the private copies of a
-- backend, as before when pz is not preloaded), with how many backends use
-- each, so that a DBA sees one copy however many connections rank.
DROP VIEW pz.model_cache;
DROP FUNCTION pz.cached_models();

CREATE FUNCTION pz.cached_models(OUT loop_id integer, OUT model_version bigint, OUT bytes bigint,
                                 OUT shared boolean, OUT backends integer, OUT this_backend boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pz_cached_models'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION pz.cached_models() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pz.cached_models() TO pz_app, pz_analyst, pz_admin;

CREATE VIEW pz.model_cache AS
SELECT l.name AS loop, c.loop_id, c.model_version, c.bytes, c.shared, c.backends, c.this_backend
  FROM pz.cached_models() AS c
  LEFT JOIN pz.loops AS l ON l.loop_id = c.loop_id;
COMMENT ON VIEW pz.model_cache IS 'Models kept in memory for ranking in this database: one row per copy, shared by all backends (pz preloaded) or private to the current backend.';
COMMENT ON COLUMN pz.model_cache.loop IS 'Name of the loop (null once the loop is dropped while a backend still uses the copy).';
COMMENT ON COLUMN pz.model_cache.loop_id IS 'Loop the model belongs to.';
COMMENT ON COLUMN pz.model_cache.model_version IS 'Model version the copy holds (0: the untrained model).';
COMMENT ON COLUMN pz.model_cache.bytes IS 'Memory the copy takes: the shared segment, or the private copy in this backend.';
COMMENT ON COLUMN pz.model_cache.shared IS 'True: one copy in shared memory for every backend of the server; false: a copy private to this backend.';
COMMENT ON COLUMN pz.model_cache.backends IS 'Backends that use this copy (1 for a private copy); a replaced version stays until its last backend moves on.';
COMMENT ON COLUMN pz.model_cache.this_backend IS 'Whether the current backend uses this copy.';
REVOKE ALL ON pz.model_cache FROM PUBLIC;
GRANT SELECT ON pz.model_cache TO pz_app, pz_analyst, pz_admin;
