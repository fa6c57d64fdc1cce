-- Decisions: rank (in C++), reward, activate.

CREATE FUNCTION @extschema@.pz_rank(loop text, context jsonb, actions jsonb, options jsonb DEFAULT '{}')
RETURNS TABLE (event_id uuid, action_id text, rank integer, probability float8, score float8)
AS 'MODULE_PATHNAME', 'pz_rank'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
-- A typical candidate list, not the default 1,000: with that estimate the
-- planner joins the ranking back to the catalog by hashing the whole catalog.
ROWS 50
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.pz_rank(text, jsonb, jsonb, jsonb) IS 'Ranks candidate actions for a context with the loop''s exploring policy and logs the decision.';

CREATE FUNCTION @extschema@.pz_reward(event_id uuid, reward float8, signal text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF event_id IS NULL OR reward IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN event_id IS NULL THEN 'event_id' ELSE 'reward' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- NaN and the infinities fail this test too
    IF NOT reward BETWEEN -1 AND 1 THEN
        RAISE EXCEPTION 'reward % is out of range', reward
            USING ERRCODE = 'numeric_value_out_of_range', DETAIL = 'A reward must be a finite number from -1 to 1.';
    END IF;
    IF signal IS NOT NULL AND length(signal) NOT BETWEEN 1 AND 128 THEN
        RAISE EXCEPTION 'signal must be 1 to 128 characters long'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM pz.events AS e WHERE e.event_id = pz_reward.event_id) THEN
        RAISE EXCEPTION 'event % does not exist', event_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Only logged events take rewards: not those ranked with options.learn = false, nor those of a transaction that has not committed.';
    END IF;
    INSERT INTO pz.rewards (event_id, value, signal) VALUES (event_id, reward, signal);
END
$$;
COMMENT ON FUNCTION @extschema@.pz_reward(uuid, float8, text) IS 'Reports a reward in [-1, 1] for a logged event (appends to pz.rewards).';

CREATE FUNCTION @extschema@.pz_activate(event_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    event record;
BEGIN
    IF event_id IS NULL THEN
        RAISE EXCEPTION 'event_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE pz.events AS e SET active = true, activated_at = clock_timestamp()
     WHERE e.event_id = pz_activate.event_id AND NOT e.active AND e.joined_at IS NULL;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT e.active, e.joined_at INTO event FROM pz.events AS e WHERE e.event_id = pz_activate.event_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'event % does not exist', event_id USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT event.active THEN
        RAISE EXCEPTION 'event % was skipped: its reward wait ended before it was activated', event_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- already active: nothing to do
END
$$;
COMMENT ON FUNCTION @extschema@.pz_activate(uuid) IS 'Activates a deferred event so that it is learned; a no-op on an active event.';
