-- pz_explain: why a logged decision ranked its actions as it did. For each
-- action, the terms of its score under the model version that decided it
-- (bias, features, interactions, with readable names), largest first; they
-- add up to the logged score.

CREATE FUNCTION pz.explain_scores(settings jsonb, weights bytea, context jsonb, actions jsonb,
                                  ranking text[], top integer)
RETURNS TABLE(action_id text, namespace text, feature text, contribution float8)
AS 'MODULE_PATHNAME', 'pz_explain_scores'
LANGUAGE C STABLE CALLED ON NULL INPUT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION pz.explain_scores(jsonb, bytea, jsonb, jsonb, text[], integer) IS 'Internal: the terms of each ranked action''s score under a model (NULL weights: untrained), at most top features an action plus its bias and the sum of the rest.';
REVOKE ALL ON FUNCTION pz.explain_scores(jsonb, bytea, jsonb, jsonb, text[], integer) FROM PUBLIC;

CREATE FUNCTION pz.check_explain_top(top integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF top IS NULL OR top < 0 OR top > 1000 THEN
        RAISE EXCEPTION 'top must be an integer from 0 to 1000'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(top::text, 'NULL'));
    END IF;
END
$$;
COMMENT ON FUNCTION pz.check_explain_top(integer) IS 'Internal: raises 22023 unless top (features shown an action by pz_explain) is from 0 to 1000.';
REVOKE ALL ON FUNCTION pz.check_explain_top(integer) FROM PUBLIC;

CREATE FUNCTION @extschema@.pz_explain(event_id uuid, top integer DEFAULT 10)
RETURNS TABLE(action_id text, namespace text, feature text, contribution float8)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY DEFINER
ROWS 100
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    event record;
    model_weights bytea;
    attempt integer;
    logged boolean := false;
BEGIN
    IF pz_explain.event_id IS NULL THEN
        RAISE EXCEPTION 'event_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pz.check_explain_top(top);
    -- The table, then the queue, then the table again: an event leaves the
    -- queue only once its row is committed (as pz.event_logged looks).
    FOR attempt IN 1..2 LOOP
        SELECT e.loop_id, e.context, e.actions, e.ranking, e.model_version, l.name, l.settings
          INTO event
          FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)
         WHERE e.event_id = pz_explain.event_id;
        logged := FOUND;
        EXIT WHEN logged;
        IF attempt = 1 AND pz.event_queued(pz_explain.event_id) THEN
            RAISE EXCEPTION 'event % is still queued by buffered logging', pz_explain.event_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Its loop has logging = buffered: the pz logger has not written it to pz.events yet.',
                      HINT = format('Retry once the logger has written it, within pz.log_flush_interval (%s).',
                                    current_setting('pz.log_flush_interval', true));
        END IF;
    END LOOP;
    IF NOT logged THEN
        RAISE EXCEPTION 'event % does not exist', pz_explain.event_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Only logged events can be explained: not those ranked with options.learn = false. For a decision not logged, call pz_explain(loop, context, actions).';
    END IF;
    IF event.model_version > 0 THEN
        SELECT m.weights INTO model_weights
          FROM pz.models AS m WHERE m.loop_id = event.loop_id AND m.version = event.model_version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model version % of loop "%", which decided event %, is no longer kept',
                            event.model_version, event.name, pz_explain.event_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Raise the loop setting models_kept to keep more versions for explanation and rollback.';
        END IF;
    END IF;
    RETURN QUERY
        SELECT x.action_id, x.namespace, x.feature, x.contribution
          FROM pz.explain_scores(event.settings, model_weights, event.context, event.actions,
                                 event.ranking, top) AS x;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_explain(uuid, integer) IS 'Why a logged decision scored its actions as it did: for each ranked action, in rank order, its bias, its top features by absolute contribution under the model version that decided it, and the sum of the rest; they add up to the logged score.';
REVOKE ALL ON FUNCTION @extschema@.pz_explain(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_explain(uuid, integer) TO pz_analyst, pz_admin;
