-- Loop settings as a registry: one row a key, with its default and the check
-- its values must pass, so that each part of a release adds its own keys
-- (an INSERT) instead of rewriting the validation. Replaces the fixed lists
-- of 0.1.0's pz.default_settings() and pz.merge_settings().

CREATE TABLE pz.setting_rules (
    key           text PRIMARY KEY,
    default_value jsonb NOT NULL,
    -- An SQL expression that raises 22023 (pz.settings_error) for a bad value:
    -- $1 is the key (text), $2 the value (jsonb, never JSON null).
    value_check   text NOT NULL
);
COMMENT ON TABLE pz.setting_rules IS 'Every loop setting: its default (JSON null: off unless set) and the check a value must pass.';
COMMENT ON COLUMN pz.setting_rules.key IS 'Name of the setting (a key of pz.loops.settings).';
COMMENT ON COLUMN pz.setting_rules.default_value IS 'Value of the setting when a loop does not set it.';
COMMENT ON COLUMN pz.setting_rules.value_check IS 'SQL expression that raises 22023 for a bad value ($1 the key, $2 the jsonb value).';

INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('exploration',        '0.2',              'pz.check_number_setting($1, $2, 0, 1)'),
    ('algorithm',          '"epsilon_greedy"', 'pz.check_choice_setting($1, $2, ''{epsilon_greedy,softmax,squarecb}'')'),
    ('temperature',        '0.05',             'pz.check_number_setting($1, $2, 0, 1000, low_inclusive => false)'),
    ('gamma',              '10',               'pz.check_number_setting($1, $2, 0, 1e9, low_inclusive => false)'),
    ('reward_wait',        '"10 minutes"',     'pz.check_interval_setting($1, $2, positive => false)'),
    ('default_reward',     '0',                'pz.check_number_setting($1, $2, -1, 1)'),
    ('reward_aggregation', '"earliest"',       'pz.check_choice_setting($1, $2, ''{earliest,sum,average,median,min,max}'')'),
    ('model_update',       '"1 minute"',       'pz.check_interval_setting($1, $2, positive => true)'),
    ('learning_rate',      '0.05',             'pz.check_number_setting($1, $2, 0, 100, low_inclusive => false)'),
    ('power_t',            '0.5',              'pz.check_number_setting($1, $2, 0, 1)'),
    ('l2',                 '0',                'pz.check_number_setting($1, $2, 0, 1)'),
    ('interactions',       '[["*", "*"]]',     'pz.check_interactions_setting($2)'),
    ('bits',               '18',               'pz.check_number_setting($1, $2, 10, 28, integral => true)'),
    ('retention',          'null',             'pz.check_interval_setting($1, $2, positive => true)'),
    ('mode',               '"online"',         'pz.check_choice_setting($1, $2, ''{online,apprentice}'')'),
    ('models_kept',        '10',               'pz.check_number_setting($1, $2, 1, 1000, integral => true)');

CREATE OR REPLACE FUNCTION pz.default_settings() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_object_agg(r.key, r.default_value) FROM pz.setting_rules AS r
$$;

-- Applies a partial update to complete settings: known keys only, each value
-- checked; a null value resets its key to the default.
CREATE OR REPLACE FUNCTION pz.merge_settings(base jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    merged jsonb := base;
    patch_key text;
    value jsonb;
    rule pz.setting_rules;
BEGIN
    IF patch IS NULL THEN
        RAISE EXCEPTION 'settings must not be null'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''{}'' to keep every setting as it is.';
    END IF;
    IF jsonb_typeof(patch) <> 'object' THEN
        RAISE EXCEPTION 'settings must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', patch::text);
    END IF;
    FOR patch_key, value IN SELECT e.key, e.value FROM jsonb_each(patch) AS e LOOP
        SELECT * INTO rule FROM pz.setting_rules AS r WHERE r.key = patch_key;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown setting "%"', patch_key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Known settings: ' || (SELECT string_agg(r.key, ', ' ORDER BY r.key) FROM pz.setting_rules AS r) || '.';
        END IF;
        IF jsonb_typeof(value) = 'null' THEN
            merged := jsonb_set(merged, ARRAY[patch_key], rule.default_value);
            CONTINUE;
        END IF;
        EXECUTE 'SELECT ' || rule.value_check USING patch_key, value;
        merged := jsonb_set(merged, ARRAY[patch_key], value);
    END LOOP;
    RETURN merged;
END
$$;

REVOKE ALL ON pz.setting_rules FROM PUBLIC;
GRANT SELECT ON pz.setting_rules TO pz_analyst, pz_admin;
