-- Shared state: the loops' generation counter in shared memory, which lets
-- every backend skip re-reading loop rows that did not change.

-- Called by every function that changes a loop row (settings or current
-- model version) in the same transaction; the counter moves when it commits.
CREATE FUNCTION pz.loops_changed() RETURNS void
AS 'MODULE_PATHNAME', 'pz_loops_changed'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pz.loops_changed() IS 'Internal: makes backends re-read loop rows once the current transaction commits.';
REVOKE ALL ON FUNCTION pz.loops_changed() FROM PUBLIC;
