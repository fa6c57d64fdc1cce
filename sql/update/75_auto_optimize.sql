-- The loop setting auto_optimize (interval or null): the worker runs
-- pz_optimize on the loop's recent log every that interval and applies the
-- winner under pz_optimize's own rule (the 95% lower bound of its improvement
-- over the online policy above zero). auto_optimize_grid picks the candidates
-- (null: pz_optimize's built-in grid). Each run's decision is kept, one row a
-- loop, in pz.auto_optimize_runs; an applied change is a row of
-- pz.optimizations as with pz_optimize(apply => true), so it stays undoable.

-- At least a minute: each run replays every candidate over the window.
CREATE FUNCTION pz.check_auto_optimize_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pz.check_interval_setting(key, value, positive => true);
    IF (value #>> '{}')::interval < interval '1 minute' THEN
        PERFORM pz.settings_error(key, 'an interval of at least 1 minute, such as ''1 day'', or null', value);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pz.check_auto_optimize_setting(text, jsonb) FROM PUBLIC;

-- A grid as pz_optimize takes it, checked now rather than at the worker's run.
CREATE FUNCTION pz.check_grid_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    candidates jsonb;
BEGIN
    IF jsonb_typeof(value) NOT IN ('array', 'object') THEN
        PERFORM pz.settings_error(key, 'a grid as pz_optimize takes it (an array of settings objects or an object of setting -> array of values), or null', value);
    END IF;
    candidates := pz.grid_candidates(value);
    IF jsonb_array_length(candidates) = 0 THEN
        PERFORM pz.settings_error(key, 'a grid of at least one candidate', value);
    END IF;
    -- Each candidate must be valid settings; at most 63 besides the loop's own.
    PERFORM pz.candidate_arms(pz.default_settings(), '[{}]'::jsonb || candidates);
END
$$;
REVOKE ALL ON FUNCTION pz.check_grid_setting(text, jsonb) FROM PUBLIC;

INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('auto_optimize',      'null', 'pz.check_auto_optimize_setting($1, $2)'),
    ('auto_optimize_grid', 'null', 'pz.check_grid_setting($1, $2)');

CREATE TABLE pz.auto_optimize_runs (
    loop_id         integer PRIMARY KEY REFERENCES pz.loops ON DELETE CASCADE,
    ran_at          timestamptz NOT NULL,
    since           timestamptz NOT NULL,
    events          bigint,
    best_candidate  jsonb,
    applied         boolean NOT NULL,
    optimization_id bigint REFERENCES pz.optimizations ON DELETE SET NULL,
    reason          text NOT NULL
);
COMMENT ON TABLE pz.auto_optimize_runs IS 'Per loop with auto_optimize: the latest run of the worker''s optimization and its decision (the next run is due auto_optimize after ran_at).';
COMMENT ON COLUMN pz.auto_optimize_runs.loop_id IS 'Loop optimized (pz.loops.loop_id).';
COMMENT ON COLUMN pz.auto_optimize_runs.ran_at IS 'When the worker ran it.';
COMMENT ON COLUMN pz.auto_optimize_runs.since IS 'Start of the window of logged events replayed (ran_at minus auto_optimize).';
COMMENT ON COLUMN pz.auto_optimize_runs.events IS 'Logged events the best candidate was estimated on.';
COMMENT ON COLUMN pz.auto_optimize_runs.best_candidate IS 'The candidate ranked first ({}: the loop''s own settings); NULL when the run failed.';
COMMENT ON COLUMN pz.auto_optimize_runs.applied IS 'Whether the best candidate was applied.';
COMMENT ON COLUMN pz.auto_optimize_runs.optimization_id IS 'The row of pz.optimizations recording the applied change; NULL when nothing was applied.';
COMMENT ON COLUMN pz.auto_optimize_runs.reason IS 'Why it was applied or not (the figures of the 95% rule), or the error of a failed run.';
SELECT pg_catalog.pg_extension_config_dump('pz.auto_optimize_runs', '');
REVOKE ALL ON pz.auto_optimize_runs FROM PUBLIC;
GRANT SELECT ON pz.auto_optimize_runs TO pz_analyst, pz_admin;

-- One worker step of a loop: runs its optimization when auto_optimize is set
-- and that long has passed since the last run (at once the first time), on
-- the events logged in the last auto_optimize. A failed replay is recorded as
-- the run's decision, so that it waits for the next interval rather than
-- failing every round. Returns whether a run happened.
CREATE FUNCTION pz.run_auto_optimize(loop text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    period interval := (target.settings ->> 'auto_optimize')::interval;
    window_start timestamptz;
    -- The decision; stays as it is (nothing applied) when the run fails.
    best_candidate jsonb;
    best_events bigint;
    was_applied boolean := false;
    optimization bigint;
    why text;
BEGIN
    IF period IS NULL OR EXISTS (SELECT FROM pz.auto_optimize_runs AS r
                                  WHERE r.loop_id = target.loop_id AND r.ran_at > now() - period) THEN
        RETURN false;
    END IF;
    window_start := now() - period;
    BEGIN
        SELECT o.candidates -> (o.best_position - 1),
               (SELECT (e ->> 'events')::bigint FROM jsonb_array_elements(o.estimates) AS e
                 WHERE (e ->> 'position')::integer = o.best_position AND e ->> 'estimator' = 'dr'),
               o.applied, o.optimization_id, o.reason
          INTO best_candidate, best_events, was_applied, optimization, why
          FROM pz.optimize(target, window_start, NULL, target.settings -> 'auto_optimize_grid', true, 100, 'dr') AS o;
    EXCEPTION WHEN OTHERS THEN
        why := format('failed: %s (SQLSTATE %s)', SQLERRM, SQLSTATE);
        RAISE WARNING 'pz auto_optimize of loop "%" %', loop, why;
    END;
    INSERT INTO pz.auto_optimize_runs AS r (loop_id, ran_at, since, events, best_candidate, applied, optimization_id, reason)
    VALUES (target.loop_id, now(), window_start, best_events, best_candidate, was_applied, optimization, why)
    ON CONFLICT (loop_id) DO UPDATE
       SET ran_at = excluded.ran_at, since = excluded.since, events = excluded.events,
           best_candidate = excluded.best_candidate, applied = excluded.applied,
           optimization_id = excluded.optimization_id, reason = excluded.reason;
    RETURN true;
END
$$;
COMMENT ON FUNCTION pz.run_auto_optimize(text) IS 'Internal (the worker''s step): runs the loop''s auto_optimize when due and records its decision in pz.auto_optimize_runs; true when it ran.';
REVOKE ALL ON FUNCTION pz.run_auto_optimize(text) FROM PUBLIC;

-- pz.loop_status shows each loop's latest run (columns added at the end,
-- after part 72's nodes).
CREATE OR REPLACE VIEW pz.loop_status AS
SELECT s.*, pz.loop_nodes(l.loop_id) AS nodes, a.ran_at AS auto_optimized_at, a.applied AS auto_optimize_applied, a.reason AS auto_optimize_reason
  FROM pz.loop_status_rows() AS s
  LEFT JOIN pz.loops AS l ON l.name = s.loop
  LEFT JOIN pz.auto_optimize_runs AS a ON a.loop_id = l.loop_id;
COMMENT ON VIEW pz.loop_status IS 'Per loop: events by state (quarantined: could not be learned), rewards and late rewards (not learned), recent average reward, current model, how long the oldest due event has waited for the trainer, and the latest auto_optimize run (when, whether it applied a change, why). Answered from pz.loop_counters, the pending events and the newest rewards.';
