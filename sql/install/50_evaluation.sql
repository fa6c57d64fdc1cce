-- Offline evaluation from the decision log: counterfactual estimates of
-- policies and learning settings (pz_evaluate), a search over settings
-- (pz_optimize, recorded in pz.optimizations so it can be undone), and
-- feature importance (pz_feature_importance). The replay itself is C++
-- (pz.evaluate_log); these wrappers check arguments and build its arms.

CREATE SEQUENCE pz.optimizations_optimization_id_seq AS bigint;

CREATE TABLE pz.optimizations (
    optimization_id   bigint PRIMARY KEY DEFAULT nextval('pz.optimizations_optimization_id_seq'),
    loop_id           integer NOT NULL REFERENCES pz.loops ON DELETE CASCADE,
    applied_at        timestamptz NOT NULL DEFAULT now(),
    applied_by        name NOT NULL DEFAULT session_user,
    previous_settings jsonb NOT NULL,
    applied_settings  jsonb NOT NULL,
    estimate          jsonb NOT NULL,
    undone_at         timestamptz
);
ALTER SEQUENCE pz.optimizations_optimization_id_seq OWNED BY pz.optimizations.optimization_id;
COMMENT ON TABLE pz.optimizations IS 'Settings applied by pz_optimize(apply => true), with the settings they replaced; pz_undo_optimization() restores the latest.';
COMMENT ON COLUMN pz.optimizations.optimization_id IS 'Order in which optimizations were applied.';
COMMENT ON COLUMN pz.optimizations.loop_id IS 'Loop whose settings were changed (pz.loops.loop_id).';
COMMENT ON COLUMN pz.optimizations.applied_at IS 'When pz_optimize applied the change.';
COMMENT ON COLUMN pz.optimizations.applied_by IS 'Session user who called pz_optimize(apply => true).';
COMMENT ON COLUMN pz.optimizations.previous_settings IS 'The loop''s complete settings before the change.';
COMMENT ON COLUMN pz.optimizations.applied_settings IS 'The settings changed (the winning candidate, as given to pz_configure_loop).';
COMMENT ON COLUMN pz.optimizations.estimate IS 'The winner''s doubly robust estimate, its interval, events, and the current settings'' estimate.';
COMMENT ON COLUMN pz.optimizations.undone_at IS 'When pz_undo_optimization() restored previous_settings; NULL while in force.';
SELECT pg_catalog.pg_extension_config_dump('pz.optimizations', '');
SELECT pg_catalog.pg_extension_config_dump('pz.optimizations_optimization_id_seq', '');

-- The replay. arms: [{"name", "settings" (complete), "ablations": [{"side":
-- "context"|"action", "namespace", "key"}], "compare": bool}]. fixed: also
-- estimate online, baseline, random and current.
CREATE FUNCTION pz.evaluate_log(loop_id integer, settings jsonb, weights bytea, since timestamptz,
                                until timestamptz, fixed boolean, arms jsonb, max_weight float8)
RETURNS TABLE (policy text, estimator text, value float8, ci_low float8, ci_high float8, events bigint)
AS 'MODULE_PATHNAME', 'pz_evaluate_log'
LANGUAGE C VOLATILE CALLED ON NULL INPUT;

CREATE FUNCTION pz.check_evaluation_arguments(since timestamptz, until timestamptz, max_weight float8) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF since IS NOT NULL AND until IS NOT NULL AND since >= until THEN
        RAISE EXCEPTION 'since must be earlier than until'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got since %s and until %s.', since, until);
    END IF;
    IF max_weight IS NULL THEN
        RAISE EXCEPTION 'max_weight must not be null'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''Infinity'' to disable the clipping of importance weights.';
    END IF;
    IF NOT max_weight > 0 OR max_weight = 'NaN'::float8 THEN
        RAISE EXCEPTION 'max_weight must be greater than 0'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', max_weight);
    END IF;
END
$$;

-- Candidate settings as replay arms: an array of settings objects (each named
-- by its own JSON text) or an object of name -> settings. Each is a partial
-- update of the loop's settings, validated as pz_configure_loop does.
CREATE FUNCTION pz.candidate_arms(loop_settings jsonb, candidates jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    arms jsonb := '[]';
    name text;
    patch jsonb;
    position bigint;
BEGIN
    IF candidates IS NULL THEN
        RETURN arms;
    END IF;
    IF jsonb_typeof(candidates) = 'array' THEN
        FOR patch, position IN SELECT c.value, c.ordinality FROM jsonb_array_elements(candidates) WITH ORDINALITY AS c LOOP
            IF jsonb_typeof(patch) <> 'object' THEN
                RAISE EXCEPTION 'candidate % must be a JSON object of loop settings', position
                    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', patch::text);
            END IF;
            arms := arms || jsonb_build_array(jsonb_build_object(
                'name', patch::text, 'settings', pz.merge_settings(loop_settings, patch)));
        END LOOP;
    ELSIF jsonb_typeof(candidates) = 'object' THEN
        FOR name, patch IN SELECT c.key, c.value FROM jsonb_each(candidates) AS c LOOP
            IF name IN ('online', 'baseline', 'random', 'current') THEN
                RAISE EXCEPTION 'candidate name "%" is reserved', name
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'online, baseline, random and current name the policies pz_evaluate always reports.';
            END IF;
            IF jsonb_typeof(patch) <> 'object' THEN
                RAISE EXCEPTION 'candidate "%" must be a JSON object of loop settings', name
                    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', patch::text);
            END IF;
            arms := arms || jsonb_build_array(jsonb_build_object(
                'name', name, 'settings', pz.merge_settings(loop_settings, patch)));
        END LOOP;
    ELSE
        RAISE EXCEPTION 'candidates must be a JSON array or object of loop settings'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', candidates::text),
                  HINT = 'For example [{"learning_rate": 0.1}, {"interactions": []}].';
    END IF;
    IF jsonb_array_length(arms) > 64 THEN
        RAISE EXCEPTION 'at most 64 candidates can be evaluated at once'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', jsonb_array_length(arms));
    END IF;
    RETURN arms;
END
$$;

-- The weights of the loop's current model (NULL when untrained).
CREATE FUNCTION pz.current_weights(target pz.loops) RETURNS bytea
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT m.weights FROM pz.models AS m WHERE m.loop_id = target.loop_id AND m.version = target.model_version
$$;

CREATE FUNCTION @extschema@.pz_evaluate(loop text, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL,
                                        candidates jsonb DEFAULT NULL, max_weight float8 DEFAULT 100)
RETURNS TABLE (policy text, estimator text, value float8, ci_low float8, ci_high float8, events bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    arms jsonb;
BEGIN
    PERFORM pz.check_evaluation_arguments(since, until, max_weight);
    arms := pz.candidate_arms(target.settings, candidates);
    RETURN QUERY SELECT r.policy, r.estimator, r.value, r.ci_low, r.ci_high, r.events
                   FROM pz.evaluate_log(target.loop_id, target.settings, pz.current_weights(target),
                                        since, until, true, arms, max_weight) AS r;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8) IS 'Estimates (IPS, SNIPS, doubly robust, 95% intervals) the value of the online, baseline, random and current policies and of candidate settings replayed over the decision log.';

-- The built-in grid: linear or all interactions, three learning rates, four
-- exploration policies (24 candidates).
CREATE FUNCTION pz.default_grid() RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
SELECT '[
  [{"interactions": [["*", "*"]]}, {"interactions": []}],
  [{"learning_rate": 0.01}, {"learning_rate": 0.05}, {"learning_rate": 0.5}],
  [{"algorithm": "epsilon_greedy", "exploration": 0.05}, {"algorithm": "epsilon_greedy", "exploration": 0.2},
   {"algorithm": "softmax"}, {"algorithm": "squarecb"}]
]'::jsonb
$$;

-- Candidates of a grid: an array of settings objects is taken as is; an
-- object of setting -> array of values is expanded to its cartesian product.
CREATE FUNCTION pz.grid_candidates(grid jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dimensions jsonb;
    dimension jsonb;
    product jsonb := '[{}]';
BEGIN
    IF grid IS NULL THEN
        dimensions := pz.default_grid();
    ELSIF jsonb_typeof(grid) = 'array' THEN
        RETURN grid;
    ELSIF jsonb_typeof(grid) = 'object' THEN
        IF EXISTS (SELECT FROM jsonb_each(grid) AS g WHERE jsonb_typeof(g.value) <> 'array' OR jsonb_array_length(g.value) = 0) THEN
            RAISE EXCEPTION 'each setting of grid must have a non-empty array of values'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', grid::text),
                      HINT = 'For example {"learning_rate": [0.1, 1], "exploration": [0.05, 0.2]}.';
        END IF;
        SELECT coalesce(jsonb_agg((SELECT jsonb_agg(jsonb_build_object(g.key, v.value)) FROM jsonb_array_elements(g.value) AS v)), '[]')
          INTO dimensions FROM jsonb_each(grid) AS g;
    ELSE
        RAISE EXCEPTION 'grid must be a JSON array of settings or an object of setting -> values'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', grid::text);
    END IF;
    FOR dimension IN SELECT d.value FROM jsonb_array_elements(dimensions) AS d LOOP
        SELECT jsonb_agg(p.value || c.value ORDER BY p.ordinality, c.ordinality) INTO product
          FROM jsonb_array_elements(product) WITH ORDINALITY AS p, jsonb_array_elements(dimension) WITH ORDINALITY AS c;
    END LOOP;
    RETURN product;
END
$$;

CREATE FUNCTION @extschema@.pz_optimize(loop text, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL,
                                        grid jsonb DEFAULT NULL, apply boolean DEFAULT false,
                                        max_weight float8 DEFAULT 100, rank_by text DEFAULT 'dr')
RETURNS TABLE (rank integer, candidate jsonb, value float8, ci_low float8, ci_high float8,
               ips float8, snips float8, dr float8, events bigint, applied boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    candidates jsonb;
    arms jsonb;
    estimates jsonb;
    best record;
    kept record;
    applying boolean;
BEGIN
    PERFORM pz.check_evaluation_arguments(since, until, max_weight);
    IF apply IS NULL THEN
        RAISE EXCEPTION 'apply must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF rank_by IS NULL OR rank_by NOT IN ('dr', 'snips', 'ips') THEN
        RAISE EXCEPTION 'rank_by must be one of dr, snips, ips'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(rank_by, 'null'));
    END IF;
    -- The loop's own settings compete too: applying only ever changes them for a better estimate.
    candidates := '[{}]'::jsonb || pz.grid_candidates(grid);
    -- Arms are named by their position, so that equal candidates stay apart.
    SELECT jsonb_agg(a.value || jsonb_build_object('name', a.ordinality::text) ORDER BY a.ordinality) INTO arms
      FROM jsonb_array_elements(pz.candidate_arms(target.settings, candidates)) WITH ORDINALITY AS a;
    SELECT jsonb_agg(jsonb_build_object('position', r.policy::integer, 'estimator', r.estimator, 'value', r.value,
                                        'ci_low', r.ci_low, 'ci_high', r.ci_high, 'events', r.events))
      INTO estimates
      FROM pz.evaluate_log(target.loop_id, target.settings, NULL, since, until, false, arms, max_weight) AS r;

    SELECT d.position, d.value, d.ci_low, d.ci_high, d.events INTO best
      FROM jsonb_to_recordset(estimates) AS d(position integer, estimator text, value float8, ci_low float8,
                                              ci_high float8, events bigint)
     WHERE d.estimator = rank_by ORDER BY d.value DESC NULLS LAST, d.position LIMIT 1;
    SELECT d.value INTO kept
      FROM jsonb_to_recordset(estimates) AS d(position integer, estimator text, value float8)
     WHERE d.estimator = rank_by AND d.position = 1;
    applying := coalesce(apply AND best.position <> 1 AND best.value > kept.value, false);
    IF applying THEN
        INSERT INTO pz.optimizations (loop_id, previous_settings, applied_settings, estimate)
        VALUES (target.loop_id, target.settings, candidates -> (best.position - 1),
                jsonb_build_object('estimator', rank_by, 'value', best.value, 'ci_low', best.ci_low, 'ci_high', best.ci_high,
                                   'events', best.events, 'current_value', kept.value,
                                   'max_weight', max_weight, 'since', since, 'until', until));
        PERFORM @extschema@.pz_configure_loop(loop, candidates -> (best.position - 1));
    END IF;

    RETURN QUERY
    WITH d AS (SELECT * FROM jsonb_to_recordset(estimates) AS x(position integer, estimator text, value float8,
                                                                 ci_low float8, ci_high float8, events bigint))
    SELECT (row_number() OVER (ORDER BY r.value DESC NULLS LAST, r.position))::integer,
           candidates -> (r.position - 1), r.value, r.ci_low, r.ci_high, i.value, s.value, e.value, r.events,
           coalesce(applying AND r.position = best.position, false)
      FROM d AS r
      JOIN d AS i ON i.position = r.position AND i.estimator = 'ips'
      JOIN d AS s ON s.position = r.position AND s.estimator = 'snips'
      JOIN d AS e ON e.position = r.position AND e.estimator = 'dr'
     WHERE r.estimator = rank_by
     ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_optimize(text, timestamptz, timestamptz, jsonb, boolean, float8, text) IS 'Replays a grid of learning settings over the decision log and ranks them by estimated value (rank_by: dr, snips or ips); apply => true applies the best (recorded in pz.optimizations).';

CREATE FUNCTION @extschema@.pz_undo_optimization(loop text) RETURNS pz.loops
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, true);
    latest pz.optimizations;
    restored pz.loops;
BEGIN
    SELECT * INTO latest FROM pz.optimizations AS o
     WHERE o.loop_id = target.loop_id AND o.undone_at IS NULL
     ORDER BY o.optimization_id DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'loop "%" has no optimization to undo', loop
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'pz.optimizations lists what pz_optimize(apply => true) changed.';
    END IF;
    restored := @extschema@.pz_configure_loop(loop, latest.previous_settings);
    UPDATE pz.optimizations AS o SET undone_at = now() WHERE o.optimization_id = latest.optimization_id;
    RETURN restored;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_undo_optimization(text) IS 'Restores the settings the latest pz_optimize(apply => true) of the loop replaced.';

-- Namespaces (side, name) seen in the first events of the window; the action
-- id namespace always.
CREATE FUNCTION pz.logged_namespaces(loop_id integer, since timestamptz, until timestamptz)
RETURNS TABLE (side text, name text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH sample AS (
    SELECT e.context, e.actions FROM pz.events AS e
     WHERE e.loop_id = logged_namespaces.loop_id AND e.outcome IN ('rewarded', 'defaulted')
       AND (since IS NULL OR e.created_at >= since) AND (until IS NULL OR e.created_at < until)
     ORDER BY e.created_at, e.event_id LIMIT 1000)
SELECT DISTINCT 'context', k FROM sample, jsonb_object_keys(CASE jsonb_typeof(sample.context) WHEN 'object' THEN sample.context ELSE '{}' END) AS k
UNION
SELECT DISTINCT 'action', k FROM sample, jsonb_array_elements(sample.actions) AS a,
       jsonb_object_keys(CASE WHEN jsonb_typeof(a) = 'object' AND jsonb_typeof(a -> 'features') = 'object'
                              THEN a -> 'features' ELSE '{}' END) AS k
UNION
SELECT 'action', '_id'
$$;

-- Keys inside one namespace (when its value is an object), same sample.
CREATE FUNCTION pz.logged_keys(loop_id integer, since timestamptz, until timestamptz, side text, name text)
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH sample AS (
    SELECT e.context, e.actions FROM pz.events AS e
     WHERE e.loop_id = logged_keys.loop_id AND e.outcome IN ('rewarded', 'defaulted')
       AND (since IS NULL OR e.created_at >= since) AND (until IS NULL OR e.created_at < until)
     ORDER BY e.created_at, e.event_id LIMIT 1000),
documents AS (
    SELECT sample.context -> name AS document FROM sample WHERE side = 'context'
    UNION ALL
    SELECT a -> 'features' -> name FROM sample, jsonb_array_elements(sample.actions) AS a
     WHERE side = 'action' AND jsonb_typeof(a) = 'object')
SELECT DISTINCT k FROM documents, jsonb_object_keys(document) AS k WHERE jsonb_typeof(document) = 'object'
$$;

-- Arms of one importance pass: the model with every feature (named ''), then
-- one without each (side, namespace[, key]) of `removed`, named by position.
CREATE FUNCTION pz.importance_arms(settings jsonb, removed jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
SELECT jsonb_build_array(jsonb_build_object('name', '', 'settings', settings))
       || coalesce(jsonb_agg(jsonb_build_object(
              'name', r.ordinality::text, 'settings', settings, 'compare', true,
              'ablations', jsonb_build_array(r.value)) ORDER BY r.ordinality), '[]')
  FROM jsonb_array_elements(removed) WITH ORDINALITY AS r
$$;

-- One importance pass: per removed item, the value without it and the paired
-- loss against the model with every feature.
CREATE FUNCTION pz.importance_rows(target pz.loops, since timestamptz, until timestamptz, removed jsonb,
                                   max_weight float8) RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
WITH estimates AS MATERIALIZED (
    SELECT * FROM pz.evaluate_log(target.loop_id, target.settings, NULL, since, until, false,
                                  pz.importance_arms(target.settings, removed), max_weight))
SELECT coalesce(jsonb_agg(jsonb_build_object(
           'side', r.value ->> 'side', 'namespace', r.value ->> 'namespace', 'key', r.value ->> 'key',
           'value', v.value, 'loss', d.value, 'loss_ci_low', d.ci_low, 'loss_ci_high', d.ci_high,
           'events', d.events)), '[]')
  FROM jsonb_array_elements(removed) WITH ORDINALITY AS r
  JOIN estimates AS v ON v.policy = r.ordinality::text AND v.estimator = 'dr'
  JOIN estimates AS d ON d.policy = r.ordinality::text AND d.estimator = 'dr_difference'
$$;

CREATE FUNCTION @extschema@.pz_feature_importance(loop text, since timestamptz DEFAULT NULL,
                                                  until timestamptz DEFAULT NULL, top integer DEFAULT 3,
                                                  max_weight float8 DEFAULT 100)
RETURNS TABLE (side text, namespace text, key text, value float8, loss float8,
               loss_ci_low float8, loss_ci_high float8, events bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    removed jsonb;
    namespace_rows jsonb;
    keys jsonb;
BEGIN
    PERFORM pz.check_evaluation_arguments(since, until, max_weight);
    IF top IS NULL OR top < 0 OR top > 20 THEN
        RAISE EXCEPTION 'top must be from 0 to 20'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(top::text, 'null'));
    END IF;

    -- Pass 1: without each namespace.
    SELECT coalesce(jsonb_agg(jsonb_build_object('side', n.side, 'namespace', n.name) ORDER BY n.side, n.name), '[]')
      INTO removed FROM pz.logged_namespaces(target.loop_id, since, until) AS n;
    namespace_rows := pz.importance_rows(target, since, until, removed, max_weight);

    -- Pass 2: without each key of the `top` namespaces whose removal costs most.
    SELECT coalesce(jsonb_agg(jsonb_build_object('side', t.side, 'namespace', t.namespace, 'key', k) ORDER BY t.loss DESC, k), '[]')
      INTO keys
      FROM (SELECT * FROM jsonb_to_recordset(namespace_rows) AS x(side text, namespace text, loss float8)
             WHERE x.loss IS NOT NULL ORDER BY x.loss DESC, x.side, x.namespace LIMIT top) AS t,
           pz.logged_keys(target.loop_id, since, until, t.side, t.namespace) AS k;

    RETURN QUERY
    SELECT r.side, r.namespace, r.key, r.value, r.loss, r.loss_ci_low, r.loss_ci_high, r.events
      FROM jsonb_to_recordset(namespace_rows || CASE WHEN jsonb_array_length(keys) > 0
                                                     THEN pz.importance_rows(target, since, until, keys, max_weight)
                                                     ELSE '[]' END)
           AS r(side text, namespace text, key text, value float8, loss float8, loss_ci_low float8,
                loss_ci_high float8, events bigint)
     ORDER BY r.key IS NOT NULL, r.loss DESC NULLS LAST, r.side, r.namespace, r.key;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_feature_importance(text, timestamptz, timestamptz, integer, float8) IS 'Per namespace, and per key of the top namespaces: the doubly robust value of the loop''s settings replayed without it, and the loss against all features (paired 95% interval).';

REVOKE ALL ON FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8),
    @extschema@.pz_optimize(text, timestamptz, timestamptz, jsonb, boolean, float8, text),
    @extschema@.pz_undo_optimization(text),
    @extschema@.pz_feature_importance(text, timestamptz, timestamptz, integer, float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION pz.evaluate_log(integer, jsonb, bytea, timestamptz, timestamptz, boolean, jsonb, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_evaluate(text, timestamptz, timestamptz, jsonb, float8),
    @extschema@.pz_feature_importance(text, timestamptz, timestamptz, integer, float8) TO pz_analyst, pz_admin;
GRANT EXECUTE ON FUNCTION @extschema@.pz_optimize(text, timestamptz, timestamptz, jsonb, boolean, float8, text),
    @extschema@.pz_undo_optimization(text) TO pz_admin;
