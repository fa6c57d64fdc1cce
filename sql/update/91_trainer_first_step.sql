-- A new loop's first training step no longer counts its whole log (issue 11).
-- pz.loop_counters had no row for a loop until its first step, which then
-- counted from scratch everything the loop had logged and been rewarded for
-- by then (on a loop created empty and filled before it trained, a million
-- events cost a second). A loop now gets its counters when it is created,
-- counted then over a log that is still empty; a loop without counters (one
-- restored from a dump, which does not keep them) is counted from scratch by
-- its first step as before.

CREATE OR REPLACE FUNCTION @extschema@.pz_create_loop(name text, settings jsonb DEFAULT '{}') RETURNS pz.loops
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    created pz.loops;
BEGIN
    PERFORM pz.check_loop_name(name);
    IF EXISTS (SELECT FROM pz.loops AS l WHERE l.name = pz_create_loop.name) THEN
        RAISE EXCEPTION 'loop "%" already exists', name
            USING ERRCODE = 'duplicate_object', HINT = 'Change its settings with pz_configure_loop().';
    END IF;
    INSERT INTO pz.loops (name, settings)
    VALUES (name, pz.merge_settings(pz.default_settings(), settings))
    RETURNING * INTO created;
    -- The new loop has no events: counting its log costs nothing now.
    PERFORM pz.record_training_step(created.loop_id, 0, 0, 0, 0, 0, '{}', '{}', '{}');
    RETURN created;
EXCEPTION WHEN unique_violation THEN
    -- a concurrent pz_create_loop of the same name committed first
    RAISE EXCEPTION 'loop "%" already exists', name
        USING ERRCODE = 'duplicate_object', HINT = 'Change its settings with pz_configure_loop().';
END
$$;
