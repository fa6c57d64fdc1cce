-- pz_optimize(apply => true) applies its best candidate only when the 95%
-- lower bound of the candidate's improvement over the online policy (the one
-- that made the logged decisions) is above zero: the best point estimate of
-- up to 25 noisy candidates is often best by luck. The rule itself is C++
-- (src/core/apply_rule.cpp); the improvement is estimated event by event in
-- the replay (DR term minus the logged reward, a paired interval).

CREATE FUNCTION pz.judge_candidate(value float8, ci_low float8, ci_high float8, events bigint,
                                   OUT apply boolean, OUT reason text)
AS 'MODULE_PATHNAME', 'pz_judge_candidate'
LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION pz.judge_candidate(float8, float8, float8, bigint) IS 'Internal: whether pz_optimize may apply a candidate, given its estimated improvement over the online policy and that estimate''s 95% interval (apply only when the lower bound is above zero), and why.';
REVOKE ALL ON FUNCTION pz.judge_candidate(float8, float8, float8, bigint) FROM PUBLIC;

-- pz_optimize's work, shared by pz_optimize and the worker's runs: replays
-- the candidates, decides by the 95% rule, applies and records the winner.
-- Returns the candidates, the replay's estimates, the best position (1 is
-- the loop's own settings) and the decision (judged: the rule was asked).
CREATE FUNCTION pz.optimize(target pz.loops, since timestamptz, until timestamptz, grid jsonb, apply boolean,
                            max_weight float8, rank_by text,
                            OUT candidates jsonb, OUT estimates jsonb, OUT best_position integer,
                            OUT judged boolean, OUT applied boolean, OUT reason text, OUT optimization_id bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    arms jsonb;
    best record;
    kept record;
    gain record;
    verdict record;
BEGIN
    judged := false;
    applied := false;
    -- The loop's own settings compete too: applying only ever changes them for a better estimate.
    candidates := '[{}]'::jsonb || pz.grid_candidates(grid);
    -- Arms are named by their position, so that equal candidates stay apart;
    -- each also estimates its improvement over the online policy, for the rule.
    SELECT jsonb_agg(a.value || jsonb_build_object('name', a.ordinality::text, 'compare_online', true) ORDER BY a.ordinality)
      INTO arms
      FROM jsonb_array_elements(pz.candidate_arms(target.settings, candidates)) WITH ORDINALITY AS a;
    SELECT jsonb_agg(jsonb_build_object('position', r.policy::integer, 'estimator', r.estimator, 'value', r.value,
                                        'ci_low', r.ci_low, 'ci_high', r.ci_high, 'events', r.events))
      INTO estimates
      FROM pz.evaluate_log(target.loop_id, target.settings, NULL, since, until, false, arms, max_weight) AS r;

    SELECT d.position, d.value, d.ci_low, d.ci_high, d.events INTO best
      FROM jsonb_to_recordset(estimates) AS d(position integer, estimator text, value float8, ci_low float8,
                                              ci_high float8, events bigint)
     WHERE d.estimator = rank_by ORDER BY d.value DESC NULLS LAST, d.position LIMIT 1;
    best_position := best.position;
    SELECT d.value INTO kept
      FROM jsonb_to_recordset(estimates) AS d(position integer, estimator text, value float8)
     WHERE d.estimator = rank_by AND d.position = 1;
    IF NOT apply THEN
        RETURN;
    END IF;
    IF best.position IS NULL OR best.position = 1 OR NOT coalesce(best.value > kept.value, false) THEN
        reason := 'no candidate is estimated better than the loop''s current settings';
        RETURN;
    END IF;
    SELECT d.value, d.ci_low, d.ci_high, d.events INTO gain
      FROM jsonb_to_recordset(estimates) AS d(position integer, estimator text, value float8, ci_low float8,
                                              ci_high float8, events bigint)
     WHERE d.estimator = 'dr_improvement' AND d.position = best.position;
    verdict := pz.judge_candidate(gain.value, gain.ci_low, gain.ci_high, gain.events);
    judged := true;
    applied := verdict.apply;
    reason := verdict.reason;
    IF NOT applied THEN
        RETURN;
    END IF;
    INSERT INTO pz.optimizations (loop_id, previous_settings, applied_settings, estimate)
    VALUES (target.loop_id, target.settings, candidates -> (best.position - 1),
            jsonb_build_object('estimator', rank_by, 'value', best.value, 'ci_low', best.ci_low, 'ci_high', best.ci_high,
                               'events', best.events, 'current_value', kept.value,
                               'max_weight', max_weight, 'since', since, 'until', until,
                               'improvement', jsonb_build_object('value', gain.value, 'ci_low', gain.ci_low,
                                                                 'ci_high', gain.ci_high, 'events', gain.events),
                               'rule', 'dr 95% lower bound of the improvement over the online policy > 0',
                               'reason', verdict.reason))
    RETURNING pz.optimizations.optimization_id INTO optimization_id;
    PERFORM @extschema@.pz_configure_loop(target.name, candidates -> (best.position - 1));
END
$$;
COMMENT ON FUNCTION pz.optimize(pz.loops, timestamptz, timestamptz, jsonb, boolean, float8, text) IS 'Internal: the replay and decision of pz_optimize and of the worker''s auto_optimize runs.';
REVOKE ALL ON FUNCTION pz.optimize(pz.loops, timestamptz, timestamptz, jsonb, boolean, float8, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.pz_optimize(loop text, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL,
                                        grid jsonb DEFAULT NULL, apply boolean DEFAULT false,
                                        max_weight float8 DEFAULT 100, rank_by text DEFAULT 'dr')
RETURNS TABLE (rank integer, candidate jsonb, value float8, ci_low float8, ci_high float8,
               ips float8, snips float8, dr float8, events bigint, applied boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    outcome record;
BEGIN
    PERFORM pz.check_evaluation_arguments(since, until, max_weight);
    IF apply IS NULL THEN
        RAISE EXCEPTION 'apply must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF rank_by IS NULL OR rank_by NOT IN ('dr', 'snips', 'ips') THEN
        RAISE EXCEPTION 'rank_by must be one of dr, snips, ips'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(rank_by, 'null'));
    END IF;
    outcome := pz.optimize(target, since, until, grid, apply, max_weight, rank_by);
    IF outcome.applied THEN
        RAISE NOTICE 'pz_optimize applied candidate %: %', (outcome.candidates -> (outcome.best_position - 1))::text, outcome.reason;
    ELSIF outcome.judged THEN
        RAISE NOTICE 'pz_optimize applied nothing: %', outcome.reason
            USING HINT = 'A candidate is applied only when the 95% lower bound of its improvement over the online policy is above zero; more logged events narrow the interval.';
    ELSIF apply THEN
        RAISE NOTICE 'pz_optimize applied nothing: %', outcome.reason;
    END IF;

    RETURN QUERY
    WITH d AS (SELECT * FROM jsonb_to_recordset(outcome.estimates) AS x(position integer, estimator text, value float8,
                                                                         ci_low float8, ci_high float8, events bigint))
    SELECT (row_number() OVER (ORDER BY r.value DESC NULLS LAST, r.position))::integer,
           outcome.candidates -> (r.position - 1), r.value, r.ci_low, r.ci_high, i.value, s.value, e.value, r.events,
           outcome.applied AND r.position = outcome.best_position
      FROM d AS r
      JOIN d AS i ON i.position = r.position AND i.estimator = 'ips'
      JOIN d AS s ON s.position = r.position AND s.estimator = 'snips'
      JOIN d AS e ON e.position = r.position AND e.estimator = 'dr'
     WHERE r.estimator = rank_by
     ORDER BY 1;
END
$$;

COMMENT ON FUNCTION @extschema@.pz_optimize(text, timestamptz, timestamptz, jsonb, boolean, float8, text) IS 'Replays a grid of learning settings over the decision log and ranks them by estimated value (rank_by: dr, snips or ips); apply => true applies the best only when the 95% lower bound of its improvement over the online policy is above zero (recorded in pz.optimizations; a notice says why when nothing is applied).';
COMMENT ON COLUMN pz.optimizations.estimate IS 'The winner''s estimate, its interval, events, the current settings'' estimate, and its improvement over the online policy with the 95% interval that allowed applying it (rule, reason).';
