-- Loops: create, configure, drop.

CREATE FUNCTION pz.check_loop_name(name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'loop name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF length(name) NOT BETWEEN 1 AND 128 THEN
        RAISE EXCEPTION 'loop name must be 1 to 128 characters long'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s characters.', length(name));
    END IF;
END
$$;

-- The loop row, locked for update when it is to change (evaluation only
-- reads); raises 42704 for an unknown loop.
CREATE FUNCTION pz.loop_row(name text, for_update boolean) RETURNS pz.loops
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_loop pz.loops;
BEGIN
    PERFORM pz.check_loop_name(name);
    IF for_update THEN
        SELECT * INTO found_loop FROM pz.loops AS l WHERE l.name = loop_row.name FOR UPDATE;
    ELSE
        SELECT * INTO found_loop FROM pz.loops AS l WHERE l.name = loop_row.name;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'loop "%" does not exist', name
            USING ERRCODE = 'undefined_object', HINT = 'Create it with pz_create_loop().';
    END IF;
    RETURN found_loop;
END
$$;

CREATE FUNCTION @extschema@.pz_create_loop(name text, settings jsonb DEFAULT '{}') RETURNS pz.loops
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
    RETURN created;
EXCEPTION WHEN unique_violation THEN
    -- a concurrent pz_create_loop of the same name committed first
    RAISE EXCEPTION 'loop "%" already exists', name
        USING ERRCODE = 'duplicate_object', HINT = 'Change its settings with pz_configure_loop().';
END
$$;
COMMENT ON FUNCTION @extschema@.pz_create_loop(text, jsonb) IS 'Creates a learning loop; settings not given take their defaults.';

CREATE FUNCTION @extschema@.pz_configure_loop(name text, settings jsonb) RETURNS pz.loops
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    existing pz.loops := pz.loop_row(name, true);
    merged jsonb := pz.merge_settings(existing.settings, settings);
    updated pz.loops;
BEGIN
    -- A model is tied to its feature space: a new one starts from scratch.
    UPDATE pz.loops AS l
       SET settings = merged,
           updated_at = now(),
           model_version = CASE WHEN merged -> 'bits' = existing.settings -> 'bits'
                                 AND merged -> 'interactions' = existing.settings -> 'interactions'
                                THEN l.model_version ELSE 0 END
     WHERE l.loop_id = existing.loop_id
    RETURNING * INTO updated;
    PERFORM pz.loops_changed();
    RETURN updated;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_configure_loop(text, jsonb) IS 'Changes some settings of a loop; a change of bits or interactions starts a new, untrained model.';

CREATE FUNCTION @extschema@.pz_drop_loop(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped pz.loops := pz.loop_row(name, true);
BEGIN
    DELETE FROM pz.rewards AS r USING pz.events AS e
     WHERE e.loop_id = dropped.loop_id AND r.event_id = e.event_id;
    DELETE FROM pz.events AS e WHERE e.loop_id = dropped.loop_id;
    DELETE FROM pz.loops AS l WHERE l.loop_id = dropped.loop_id;  -- its models go by cascade
    PERFORM pz.loops_changed();
END
$$;
COMMENT ON FUNCTION @extschema@.pz_drop_loop(text) IS 'Drops a loop with its events, rewards and models.';
