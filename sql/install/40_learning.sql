-- Learning on demand, model versions, and the status of each loop.

CREATE FUNCTION @extschema@.pz_train(loop text) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pz_train'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.pz_train(text) IS 'Joins the events whose reward wait has passed and trains the loop''s model on them now; returns the counts and the new model version.';

CREATE FUNCTION pz.model_fits(settings jsonb, weights bytea) RETURNS boolean
AS 'MODULE_PATHNAME', 'pz_model_fits'
LANGUAGE C STABLE STRICT;

CREATE FUNCTION @extschema@.pz_rollback_model(loop text, version bigint) RETURNS pz.loops
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, true);
    weights bytea;
    rolled_back pz.loops;
BEGIN
    IF version IS NULL THEN
        RAISE EXCEPTION 'version must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF version <> 0 THEN
        SELECT m.weights INTO weights FROM pz.models AS m
         WHERE m.loop_id = target.loop_id AND m.version = pz_rollback_model.version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model version % of loop "%" does not exist', version, loop
                USING ERRCODE = 'undefined_object',
                      HINT = 'The kept versions are in pz.models; the setting models_kept says how many are kept.';
        END IF;
        IF NOT pz.model_fits(target.settings, weights) THEN
            RAISE EXCEPTION 'model version % of loop "%" was trained with other feature settings', version, loop
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Settings bits and interactions must be the same as when the version was trained.';
        END IF;
    END IF;
    UPDATE pz.loops AS l SET model_version = pz_rollback_model.version, updated_at = now()
     WHERE l.loop_id = target.loop_id
    RETURNING * INTO rolled_back;
    PERFORM pz.loops_changed();
    RETURN rolled_back;
END
$$;
COMMENT ON FUNCTION @extschema@.pz_rollback_model(text, bigint) IS 'Makes an earlier kept model version current (0: the untrained model); training continues from it.';

CREATE FUNCTION pz.cached_models(OUT loop text, OUT loop_id integer, OUT model_version bigint, OUT bytes bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pz_cached_models'
LANGUAGE C VOLATILE;

CREATE VIEW pz.model_cache AS SELECT * FROM pz.cached_models();
COMMENT ON VIEW pz.model_cache IS 'Models cached by the current backend for ranking, with the memory each takes.';

CREATE VIEW pz.loop_status AS
SELECT l.name AS loop,
       l.model_version,
       m.created_at AS trained_at,
       m.examples,
       coalesce(e.events, 0) AS events,
       coalesce(e.pending, 0) AS pending,
       coalesce(e.joined, 0) AS joined,
       coalesce(e.skipped, 0) AS skipped,
       coalesce(r.rewards, 0) AS rewards,
       coalesce(r.late_rewards, 0) AS late_rewards,
       e.average_reward_hour,
       e.average_reward_day,
       coalesce(e.training_lag, interval '0') AS training_lag
  FROM pz.loops AS l
  LEFT JOIN pz.models AS m ON m.loop_id = l.loop_id AND m.version = l.model_version
  LEFT JOIN LATERAL (
      SELECT count(*) AS events,
             count(*) FILTER (WHERE ev.joined_at IS NULL) AS pending,
             count(*) FILTER (WHERE ev.outcome IN ('rewarded', 'defaulted')) AS joined,
             count(*) FILTER (WHERE ev.outcome = 'skipped') AS skipped,
             avg(ev.reward) FILTER (WHERE ev.outcome <> 'skipped' AND ev.created_at > now() - interval '1 hour') AS average_reward_hour,
             avg(ev.reward) FILTER (WHERE ev.outcome <> 'skipped' AND ev.created_at > now() - interval '1 day') AS average_reward_day,
             greatest(interval '0', now() - min(coalesce(ev.activated_at, ev.created_at) + (l.settings->>'reward_wait')::interval)
                                           FILTER (WHERE ev.joined_at IS NULL)) AS training_lag
        FROM pz.events AS ev WHERE ev.loop_id = l.loop_id) AS e ON true
  LEFT JOIN LATERAL (
      SELECT count(*) AS rewards,
             count(*) FILTER (WHERE ev.outcome = 'skipped' OR rw.received_at > ev.joined_at) AS late_rewards
        FROM pz.rewards AS rw JOIN pz.events AS ev ON ev.event_id = rw.event_id
       WHERE ev.loop_id = l.loop_id) AS r ON true;
COMMENT ON VIEW pz.loop_status IS 'Per loop: events by state, rewards and late rewards (not learned), recent average reward, current model, and how long the oldest due event has waited for the trainer.';
