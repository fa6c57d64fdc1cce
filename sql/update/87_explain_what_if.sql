-- pz_explain, what if: pz_explain(loop, context, actions, top) explains how
-- the loop's current model scores a context and actions that were never
-- logged (the scores pz_rank would give them now), actions highest score
-- first. (An event still queued by buffered logging gets its own error from
-- the logged form, in part 81.)
--
-- Why an overload of pz_explain and not a new name: the two forms take 1-2
-- and 3-4 arguments, so no call can match both. A positional call with
-- untyped literals (pz_explain('shop', '{}', '["a"]')) resolves by its number
-- of arguments before types are considered, and named notation by parameter
-- names (event_id or loop). The two would collide only if context and
-- actions took defaults; they must not.

COMMENT ON FUNCTION pz.explain_scores(jsonb, bytea, jsonb, jsonb, text[], integer) IS 'Internal: the terms of each ranked action''s score under a model (NULL weights: untrained), at most top features an action plus its bias and the sum of the rest; NULL ranking: every action, highest score first.';

CREATE FUNCTION @extschema@.pz_explain(loop text, context jsonb, actions jsonb, top integer DEFAULT 10)
RETURNS TABLE(action_id text, namespace text, feature text, contribution float8)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY DEFINER
ROWS 100
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
BEGIN
    IF context IS NULL THEN
        RAISE EXCEPTION 'context must not be null'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''{}'' for no context.';
    END IF;
    PERFORM pz.check_explain_top(top);
    -- As pz_rank: no viable item (jsonb_agg over nothing) is nothing to explain.
    IF actions IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT x.action_id, x.namespace, x.feature, x.contribution
          FROM pz.explain_scores(target.settings, pz.current_weights(target), context, actions,
                                 NULL, top) AS x;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_explain(text, jsonb, jsonb, integer) IS 'What if: how the loop''s current model scores a context and actions not logged (the scores pz_rank gives them now): for each action, highest score first, its bias, its top features by absolute contribution and the sum of the rest; they add up to its score.';
REVOKE ALL ON FUNCTION @extschema@.pz_explain(text, jsonb, jsonb, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_explain(text, jsonb, jsonb, integer) TO pz_analyst, pz_admin;
