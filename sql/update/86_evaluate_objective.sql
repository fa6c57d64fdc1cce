-- pz_evaluate(..., objective): re-scores the same log under another objective.
-- Each evaluated event's reward is recomputed from its pz.rewards rows
-- received by the time it was joined, as the trainer would have computed it
-- under that objective (the loop's reward_aggregation per signal, its
-- default_reward for an event with no reward for a signal of the objective).
-- Without an objective, the joined rewards are used as before.

-- The replay with a 9th argument: the objective to re-score with (NULL: the
-- joined rewards). The 8-argument form stays for pz_optimize and
-- pz_feature_importance; both run the same C function.
CREATE FUNCTION pz.evaluate_log(loop_id integer, settings jsonb, weights bytea, since timestamptz,
                                until timestamptz, fixed boolean, arms jsonb, max_weight float8,
                                objective jsonb)
RETURNS TABLE (policy text, estimator text, value float8, ci_low float8, ci_high float8, events bigint)
AS 'MODULE_PATHNAME', 'pz_evaluate_log'
LANGUAGE C VOLATILE CALLED ON NULL INPUT;
COMMENT ON FUNCTION pz.evaluate_log(integer, jsonb, bytea, timestamptz, timestamptz, boolean, jsonb, float8, jsonb) IS 'Internal: the replay of pz_evaluate, each event''s reward re-scored under an objective (NULL: the joined rewards).';
REVOKE ALL ON FUNCTION pz.evaluate_log(integer, jsonb, bytea, timestamptz, timestamptz, boolean, jsonb, float8, jsonb) FROM PUBLIC;

-- Appending an argument changes the signature: drop and re-create. Calls
-- written for the 5-argument form, positional or named, keep working.
DROP FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8);
CREATE FUNCTION @extschema@.pz_evaluate(loop text, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL,
                                        candidates jsonb DEFAULT NULL, max_weight float8 DEFAULT 100,
                                        objective jsonb DEFAULT NULL)
RETURNS TABLE (policy text, estimator text, value float8, ci_low float8, ci_high float8, events bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    arms jsonb;
BEGIN
    PERFORM pz.check_evaluation_arguments(since, until, max_weight);
    IF objective IS NOT NULL AND NOT pz.is_objective(objective) THEN
        RAISE EXCEPTION 'objective must be an object of 1 to 64 pz_reward signal names (1 to 128 characters) to weights from -1000 to 1000'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', objective::text),
                  HINT = 'For example {"purchase": 1}; NULL evaluates the rewards the loop learned.';
    END IF;
    arms := pz.candidate_arms(target.settings, candidates);
    RETURN QUERY SELECT r.policy, r.estimator, r.value, r.ci_low, r.ci_high, r.events
                   FROM pz.evaluate_log(target.loop_id, target.settings, pz.current_weights(target),
                                        since, until, true, arms, max_weight, objective) AS r;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8, jsonb) IS 'Estimates (IPS, SNIPS, doubly robust, 95% intervals) the value of the online, baseline, random and current policies and of candidate settings replayed over the decision log; with an objective, every event''s reward re-scored under it from the raw rewards.';
REVOKE ALL ON FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8, jsonb) TO pz_analyst, pz_admin;
