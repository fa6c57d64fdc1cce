-- Storage: the loops, the decision log, the rewards and the model versions.
-- Analysts read these tables directly; every column is documented below.

\echo Use "CREATE EXTENSION pz" to load this file. \quit

CREATE SCHEMA pz;
COMMENT ON SCHEMA pz IS 'pz: loops, decision log, rewards and models of the pz personalization extension';

CREATE SEQUENCE pz.loops_loop_id_seq AS integer;

CREATE TABLE pz.loops (
    loop_id       integer PRIMARY KEY DEFAULT nextval('pz.loops_loop_id_seq'),
    name          text NOT NULL UNIQUE,
    settings      jsonb NOT NULL,
    model_version bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT loops_name_valid CHECK (length(name) BETWEEN 1 AND 128)
);
ALTER SEQUENCE pz.loops_loop_id_seq OWNED BY pz.loops.loop_id;

COMMENT ON TABLE pz.loops IS 'One row per learning loop (one place in an application to personalize).';
COMMENT ON COLUMN pz.loops.loop_id IS 'Surrogate key referenced by pz.events and pz.models.';
COMMENT ON COLUMN pz.loops.name IS 'Name used by applications in pz_rank(loop, ...).';
COMMENT ON COLUMN pz.loops.settings IS 'Validated settings with every default filled in (see the README, "Loop settings").';
COMMENT ON COLUMN pz.loops.model_version IS 'Version in pz.models that pz_rank scores with; 0 means the untrained (all-zero) model.';
COMMENT ON COLUMN pz.loops.created_at IS 'When the loop was created.';
COMMENT ON COLUMN pz.loops.updated_at IS 'When the settings or the current model last changed.';

CREATE TABLE pz.events (
    event_id      uuid PRIMARY KEY,
    -- No foreign keys on the hot tables: a key-share lock per rank or reward
    -- would contend on the loop row; pz_drop_loop removes a loop's rows itself.
    loop_id       integer NOT NULL,
    created_at    timestamptz NOT NULL,
    context       jsonb NOT NULL,
    actions       jsonb NOT NULL,
    ranking       text[] NOT NULL,
    probabilities float8[] NOT NULL,
    scores        float8[] NOT NULL,
    chosen_action text NOT NULL,
    model_version bigint NOT NULL,
    active        boolean NOT NULL,
    activated_at  timestamptz,
    baseline      text,
    joined_at     timestamptz,
    reward        float8,
    outcome       text,
    CONSTRAINT events_outcome_valid CHECK (outcome IN ('rewarded', 'defaulted', 'skipped')),
    CONSTRAINT events_joined_has_outcome CHECK ((joined_at IS NULL) = (outcome IS NULL)),
    CONSTRAINT events_aligned CHECK (cardinality(ranking) = cardinality(probabilities)
                                     AND cardinality(ranking) = cardinality(scores))
);
-- The joiner scans the not yet joined events of one loop in event order
-- (created_at, then event_id), straight from this index without sorting.
CREATE INDEX events_pending_idx ON pz.events (loop_id, created_at, event_id) WHERE joined_at IS NULL;
-- Status and evaluation read one loop's events by time.
CREATE INDEX events_loop_time_idx ON pz.events (loop_id, created_at);
-- The documents are written once per rank call and read back by the trainer:
-- lz4 compresses and decompresses several times faster than the default pglz.
-- A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE pz.events ALTER COLUMN context SET COMPRESSION lz4,
                          ALTER COLUMN actions SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;

COMMENT ON TABLE pz.events IS 'The decision log: one row per pz_rank call that learns (options.learn is not false).';
COMMENT ON COLUMN pz.events.event_id IS 'Id returned by pz_rank (or supplied in options.event_id); pass it to pz_reward and pz_activate.';
COMMENT ON COLUMN pz.events.loop_id IS 'Loop that made the decision (pz.loops.loop_id).';
COMMENT ON COLUMN pz.events.created_at IS 'Start of the statement that called pz_rank.';
COMMENT ON COLUMN pz.events.context IS 'Context document as given to pz_rank.';
COMMENT ON COLUMN pz.events.actions IS 'Candidate actions as given to pz_rank, in the order given, without the excluded ones.';
COMMENT ON COLUMN pz.events.ranking IS 'Action ids in rank order; ranking[1] is the action shown.';
COMMENT ON COLUMN pz.events.probabilities IS 'Probability with which the policy would have put each action of ranking at rank 1 (aligned with ranking; sums to 1).';
COMMENT ON COLUMN pz.events.scores IS 'Model score (predicted reward) of each action of ranking (aligned with ranking).';
COMMENT ON COLUMN pz.events.chosen_action IS 'The action at rank 1 (ranking[1]): the one whose reward is learned.';
COMMENT ON COLUMN pz.events.model_version IS 'Model version that scored the actions (pz.models.version; 0 = untrained).';
COMMENT ON COLUMN pz.events.active IS 'False for a deferred event until pz_activate; inactive events are never learned.';
COMMENT ON COLUMN pz.events.activated_at IS 'When the event became active (created_at unless deferred); the reward wait counts from here.';
COMMENT ON COLUMN pz.events.baseline IS 'Action the application would have shown without personalization (options.baseline), if given.';
COMMENT ON COLUMN pz.events.joined_at IS 'When the joiner closed the event (its reward wait had passed); NULL while pending.';
COMMENT ON COLUMN pz.events.reward IS 'Final reward once joined: the aggregated rewards, or the loop default_reward; NULL if skipped or pending.';
COMMENT ON COLUMN pz.events.outcome IS 'How the event was joined: rewarded, defaulted (no reward came) or skipped (deferred and never activated).';

CREATE SEQUENCE pz.rewards_reward_id_seq AS bigint;

CREATE TABLE pz.rewards (
    reward_id   bigint PRIMARY KEY DEFAULT nextval('pz.rewards_reward_id_seq'),
    event_id    uuid NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    value       float8 NOT NULL,
    signal      text,
    slot        integer,
    CONSTRAINT rewards_value_range CHECK (value BETWEEN -1 AND 1)
);
ALTER SEQUENCE pz.rewards_reward_id_seq OWNED BY pz.rewards.reward_id;
CREATE INDEX rewards_event_idx ON pz.rewards (event_id, received_at);

COMMENT ON TABLE pz.rewards IS 'Append-only: one row per pz_reward call. Rows are never updated.';
COMMENT ON COLUMN pz.rewards.reward_id IS 'Arrival order of rewards.';
COMMENT ON COLUMN pz.rewards.event_id IS 'Event the reward is for (pz.events.event_id).';
COMMENT ON COLUMN pz.rewards.received_at IS 'When pz_reward was called.';
COMMENT ON COLUMN pz.rewards.value IS 'Reward in [-1, 1].';
COMMENT ON COLUMN pz.rewards.signal IS 'Optional name of the signal (e.g. click, purchase); NULL for the main reward.';
COMMENT ON COLUMN pz.rewards.slot IS 'Reserved for slot (multi-position) rewards; NULL today.';

CREATE TABLE pz.models (
    loop_id    integer NOT NULL REFERENCES pz.loops ON DELETE CASCADE,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    examples   bigint NOT NULL,
    weights    bytea NOT NULL,
    metrics    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (loop_id, version),
    CONSTRAINT models_version_positive CHECK (version > 0)
);

COMMENT ON TABLE pz.models IS 'Trained model versions; pz.loops.model_version names the current one of each loop.';
COMMENT ON COLUMN pz.models.loop_id IS 'Loop the model belongs to.';
COMMENT ON COLUMN pz.models.version IS 'Version number, increasing per loop from 1.';
COMMENT ON COLUMN pz.models.created_at IS 'When this version was trained.';
COMMENT ON COLUMN pz.models.examples IS 'Examples learned in total, from the empty model up to this version.';
COMMENT ON COLUMN pz.models.weights IS 'The model in pz''s versioned binary format (weights and adaptive state).';
COMMENT ON COLUMN pz.models.metrics IS 'Figures of the training step that produced this version.';

-- pg_dump keeps the user data of these tables (and the sequences behind them).
SELECT pg_catalog.pg_extension_config_dump('pz.loops', '');
SELECT pg_catalog.pg_extension_config_dump('pz.loops_loop_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pz.events', '');
SELECT pg_catalog.pg_extension_config_dump('pz.rewards', '');
SELECT pg_catalog.pg_extension_config_dump('pz.rewards_reward_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pz.models', '');
-- Least privilege. Three NOLOGIN roles (shared by every database of the
-- cluster, so they are created only when missing and outlive the extension):
--   pz_app      ranks, rewards and activates; cannot read the log or change loops
--   pz_analyst  reads the pz tables
--   pz_admin    manages loops and models, and reads the pz tables
-- Each install file grants its own functions; 90_privileges.sql the tables.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['pz_app', 'pz_analyst', 'pz_admin'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$$;
-- Loop settings: the defaults (the one source of truth for them) and the
-- validation of a partial update.

CREATE FUNCTION pz.default_settings() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT '{
  "exploration": 0.2,
  "algorithm": "epsilon_greedy",
  "temperature": 0.05,
  "gamma": 10,
  "reward_wait": "10 minutes",
  "default_reward": 0,
  "reward_aggregation": "earliest",
  "model_update": "1 minute",
  "learning_rate": 0.05,
  "power_t": 0.5,
  "l2": 0,
  "interactions": [["*", "*"]],
  "bits": 18,
  "retention": null,
  "mode": "online",
  "models_kept": 10
}'::jsonb
$$;
COMMENT ON FUNCTION pz.default_settings() IS 'Every loop setting with its default value.';

CREATE FUNCTION pz.settings_error(key text, requirement text, value jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'setting "%" must be %', key, requirement
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('Got %s.', value::text);
END
$$;

CREATE FUNCTION pz.check_number_setting(key text, value jsonb, low float8, high float8,
                                        low_inclusive boolean DEFAULT true,
                                        integral boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind text := CASE WHEN integral THEN 'an integer' ELSE 'a number' END;
    range text := CASE WHEN low_inclusive THEN format('%s from %s to %s', kind, low, high)
                       ELSE format('%s greater than %s and at most %s', kind, low, high) END;
    number numeric;
BEGIN
    IF jsonb_typeof(value) <> 'number' THEN
        PERFORM pz.settings_error(key, range, value);
    END IF;
    number := value::numeric;
    IF number < low OR (number = low AND NOT low_inclusive) OR number > high
       OR (integral AND number <> trunc(number)) THEN
        PERFORM pz.settings_error(key, range, value);
    END IF;
END
$$;

CREATE FUNCTION pz.check_choice_setting(key text, value jsonb, choices text[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF jsonb_typeof(value) <> 'string' OR NOT (value #>> '{}') = ANY (choices) THEN
        PERFORM pz.settings_error(key, 'one of ' || array_to_string(choices, ', '), value);
    END IF;
END
$$;

CREATE FUNCTION pz.check_interval_setting(key text, value jsonb, positive boolean) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    requirement text := CASE WHEN positive THEN 'an interval greater than zero, such as ''1 minute'''
                             ELSE 'an interval of zero or more, such as ''10 minutes''' END;
    parsed interval;
BEGIN
    IF jsonb_typeof(value) <> 'string' THEN
        PERFORM pz.settings_error(key, requirement, value);
    END IF;
    BEGIN
        parsed := (value #>> '{}')::interval;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
        PERFORM pz.settings_error(key, requirement, value);
    END;
    IF parsed < interval '0' OR (positive AND parsed = interval '0') THEN
        PERFORM pz.settings_error(key, requirement, value);
    END IF;
END
$$;

CREATE FUNCTION pz.check_interactions_setting(value jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    requirement constant text := 'an array of [context namespace, action namespace] pairs of non-empty strings ("*" matches any), such as [["user", "category"]]';
    pair jsonb;
BEGIN
    IF jsonb_typeof(value) <> 'array' THEN
        PERFORM pz.settings_error('interactions', requirement, value);
    END IF;
    FOR pair IN SELECT jsonb_array_elements(value) LOOP
        IF jsonb_typeof(pair) <> 'array' OR jsonb_array_length(pair) <> 2
           OR jsonb_typeof(pair -> 0) <> 'string' OR jsonb_typeof(pair -> 1) <> 'string'
           OR pair ->> 0 = '' OR pair ->> 1 = '' THEN
            PERFORM pz.settings_error('interactions', requirement, value);
        END IF;
    END LOOP;
END
$$;

-- Applies a partial update to complete settings: known keys only, each value
-- checked; a null value resets its key to the default.
CREATE FUNCTION pz.merge_settings(base jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    defaults constant jsonb := pz.default_settings();
    merged jsonb := base;
    key text;
    value jsonb;
BEGIN
    IF patch IS NULL THEN
        RAISE EXCEPTION 'settings must not be null'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''{}'' to keep every setting as it is.';
    END IF;
    IF jsonb_typeof(patch) <> 'object' THEN
        RAISE EXCEPTION 'settings must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', patch::text);
    END IF;
    FOR key, value IN SELECT e.key, e.value FROM jsonb_each(patch) AS e LOOP
        IF NOT defaults ? key THEN
            RAISE EXCEPTION 'unknown setting "%"', key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Known settings: ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(defaults) AS k) || '.';
        END IF;
        IF jsonb_typeof(value) = 'null' THEN
            merged := jsonb_set(merged, ARRAY[key], defaults -> key);
            CONTINUE;
        END IF;
        CASE key
            WHEN 'exploration' THEN PERFORM pz.check_number_setting(key, value, 0, 1);
            WHEN 'algorithm' THEN PERFORM pz.check_choice_setting(key, value, '{epsilon_greedy,softmax,squarecb}');
            WHEN 'temperature' THEN PERFORM pz.check_number_setting(key, value, 0, 1000, low_inclusive => false);
            WHEN 'gamma' THEN PERFORM pz.check_number_setting(key, value, 0, 1e9, low_inclusive => false);
            WHEN 'reward_wait' THEN PERFORM pz.check_interval_setting(key, value, positive => false);
            WHEN 'default_reward' THEN PERFORM pz.check_number_setting(key, value, -1, 1);
            WHEN 'reward_aggregation' THEN PERFORM pz.check_choice_setting(key, value, '{earliest,sum,average,median,min,max}');
            WHEN 'model_update' THEN PERFORM pz.check_interval_setting(key, value, positive => true);
            WHEN 'learning_rate' THEN PERFORM pz.check_number_setting(key, value, 0, 100, low_inclusive => false);
            WHEN 'power_t' THEN PERFORM pz.check_number_setting(key, value, 0, 1);
            WHEN 'l2' THEN PERFORM pz.check_number_setting(key, value, 0, 1);
            WHEN 'interactions' THEN PERFORM pz.check_interactions_setting(value);
            WHEN 'bits' THEN PERFORM pz.check_number_setting(key, value, 10, 28, integral => true);
            WHEN 'retention' THEN PERFORM pz.check_interval_setting(key, value, positive => true);
            WHEN 'mode' THEN PERFORM pz.check_choice_setting(key, value, '{online,apprentice}');
            WHEN 'models_kept' THEN PERFORM pz.check_number_setting(key, value, 1, 1000, integral => true);
        END CASE;
        merged := jsonb_set(merged, ARRAY[key], value);
    END LOOP;
    RETURN merged;
END
$$;
COMMENT ON FUNCTION pz.merge_settings(jsonb, jsonb) IS 'Validates a partial settings update and applies it to complete settings.';
-- Shared state: the loops' generation counter in shared memory, which lets
-- every backend skip re-reading loop rows that did not change.

-- Called by every function that changes a loop row (settings or current
-- model version) in the same transaction; the counter moves when it commits.
CREATE FUNCTION pz.loops_changed() RETURNS void
AS 'MODULE_PATHNAME', 'pz_loops_changed'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pz.loops_changed() IS 'Internal: makes backends re-read loop rows once the current transaction commits.';
REVOKE ALL ON FUNCTION pz.loops_changed() FROM PUBLIC;
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
-- Privileges on the storage: the API functions are SECURITY DEFINER with a
-- pinned search_path, so the roles need no privileges on the tables they
-- write through them.
REVOKE ALL ON SCHEMA pz FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pz FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA pz FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pz FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.pz_create_loop(text, jsonb), @extschema@.pz_configure_loop(text, jsonb),
    @extschema@.pz_drop_loop(text), @extschema@.pz_rank(text, jsonb, jsonb, jsonb),
    @extschema@.pz_reward(uuid, float8, text), @extschema@.pz_activate(uuid),
    @extschema@.pz_train(text), @extschema@.pz_rollback_model(text, bigint) FROM PUBLIC;

GRANT USAGE ON SCHEMA pz TO pz_analyst, pz_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA pz TO pz_analyst, pz_admin;
GRANT EXECUTE ON FUNCTION @extschema@.pz_rank(text, jsonb, jsonb, jsonb),
    @extschema@.pz_reward(uuid, float8, text), @extschema@.pz_activate(uuid) TO pz_app, pz_admin;
GRANT EXECUTE ON FUNCTION @extschema@.pz_create_loop(text, jsonb), @extschema@.pz_configure_loop(text, jsonb),
    @extschema@.pz_drop_loop(text), @extschema@.pz_train(text), @extschema@.pz_rollback_model(text, bigint)
    TO pz_admin;
-- Anyone may see what their own backend caches.
GRANT USAGE ON SCHEMA pz TO pz_app;
GRANT EXECUTE ON FUNCTION pz.cached_models() TO pz_app, pz_analyst, pz_admin;
GRANT SELECT ON pz.model_cache TO pz_app;
