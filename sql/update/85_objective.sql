-- Objectives from named signals: the loop setting objective (an object of
-- pz_reward signal names to weights) makes the learned reward the weighted
-- sum of the event's rewards per signal (each signal's rewards combined by
-- reward_aggregation), clipped to [-1, 1]. Rewards of other signals, and
-- unnamed ones, do not count; an event with a reward for no signal of the
-- objective gets default_reward. The arithmetic is src/core/objective.cpp;
-- null (the default) keeps every reward counting whatever its signal.

-- One test of "is an objective", for the setting and for pz_evaluate's argument.
CREATE FUNCTION pz.is_objective(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_typeof(value) = 'object'
   AND (SELECT count(*) FROM jsonb_object_keys(value)) BETWEEN 1 AND 64
   AND NOT EXISTS (SELECT FROM jsonb_each(value) AS w
                    WHERE length(w.key) NOT BETWEEN 1 AND 128
                       OR jsonb_typeof(w.value) <> 'number'
                       OR abs(w.value::numeric) > 1000)
$$;
COMMENT ON FUNCTION pz.is_objective(jsonb) IS 'Internal: whether a value is an objective: 1 to 64 signal names (1 to 128 characters) to weights from -1000 to 1000.';

CREATE FUNCTION pz.check_objective_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pz.is_objective(value) THEN
        PERFORM pz.settings_error(key, 'an object of 1 to 64 pz_reward signal names (1 to 128 characters) to weights from -1000 to 1000, such as {"click": 0.2, "purchase": 0.8}', value);
    END IF;
END
$$;
COMMENT ON FUNCTION pz.check_objective_setting(text, jsonb) IS 'Internal: raises 22023 unless the value is an objective (see pz.is_objective).';
REVOKE ALL ON FUNCTION pz.is_objective(jsonb), pz.check_objective_setting(text, jsonb) FROM PUBLIC;

INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('objective', 'null', 'pz.check_objective_setting($1, $2)');
