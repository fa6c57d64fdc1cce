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
