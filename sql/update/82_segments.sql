-- pz_segments: the log split by the value of a context path (user.segment,
-- session.device): per segment, the events, the reward the running policy
-- earned, and uniform random's and the current model's doubly robust
-- estimates, from the same replay as pz_evaluate. The current model's
-- interval is a cohort interval (Student's t, never narrower than the whole
-- log's spread allows, cut to [-1, 1]), so a small segment shows how little
-- it says. Segments where the current model is not above random are listed
-- in a NOTICE.

CREATE FUNCTION pz.evaluate_segments(loop_id integer, settings jsonb, weights bytea, since timestamptz,
                                     until timestamptz, path text)
RETURNS TABLE(segment text, events bigint, online float8, random float8,
              current float8, current_ci_low float8, current_ci_high float8)
AS 'MODULE_PATHNAME', 'pz_evaluate_segments'
LANGUAGE C VOLATILE CALLED ON NULL INPUT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION pz.evaluate_segments(integer, jsonb, bytea, timestamptz, timestamptz, text) IS 'Internal: one replay of a loop''s log split by the value of a context path; a row per segment.';
REVOKE ALL ON FUNCTION pz.evaluate_segments(integer, jsonb, bytea, timestamptz, timestamptz, text) FROM PUBLIC;

CREATE FUNCTION @extschema@.pz_segments(loop text, by text, since timestamptz DEFAULT NULL,
                                        until timestamptz DEFAULT NULL)
RETURNS TABLE(segment text, events bigint, online float8, random float8,
              current float8, current_ci_low float8, current_ci_high float8)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
BEGIN
    IF by IS NULL THEN
        RAISE EXCEPTION 'by must not be null'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a context path such as ''user.segment''.';
    END IF;
    PERFORM pz.check_evaluation_arguments(since, until, 100);
    RETURN QUERY SELECT s.segment, s.events, s.online, s.random, s.current, s.current_ci_low, s.current_ci_high
                   FROM pz.evaluate_segments(target.loop_id, target.settings, pz.current_weights(target),
                                             since, until, by) AS s;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_segments(text, text, timestamptz, timestamptz) IS 'Per value of a context path (dots between keys, e.g. user.segment): events, average logged reward, and the doubly robust values of uniform random and of the current model (95% cohort interval); a NOTICE lists the segments where the current model is not above random.';
REVOKE ALL ON FUNCTION @extschema@.pz_segments(text, text, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_segments(text, text, timestamptz, timestamptz) TO pz_analyst, pz_admin;
