-- Rows in, rows out: pz_rank_rows ranks an array of a composite type's rows
-- (a catalog query's own rows), featurized from the tuples, and returns each
-- candidate row as `item`. Settings action_key and action_features say which
-- column is the id and which columns are features.

CREATE FUNCTION pz.check_column_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF jsonb_typeof(value) <> 'string' OR value #>> '{}' = '' THEN
        PERFORM pz.settings_error(key, 'a column name (a non-empty string)', value);
    END IF;
END
$$;

CREATE FUNCTION pz.check_column_list_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    requirement constant text := 'an array of distinct column names (non-empty strings), such as ["category", "price"]';
BEGIN
    IF jsonb_typeof(value) <> 'array'
       OR EXISTS (SELECT FROM jsonb_array_elements(value) AS e WHERE jsonb_typeof(e) <> 'string' OR e #>> '{}' = '')
       OR (SELECT count(DISTINCT e) <> count(*) FROM jsonb_array_elements(value) AS e) THEN
        PERFORM pz.settings_error(key, requirement, value);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION pz.check_column_setting(text, jsonb), pz.check_column_list_setting(text, jsonb) FROM PUBLIC;

INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('action_key',      '"id"', 'pz.check_column_setting($1, $2)'),
    ('action_features', 'null', 'pz.check_column_list_setting($1, $2)');

CREATE FUNCTION @extschema@.pz_rank_rows(loop text, context jsonb, actions anyarray, options jsonb DEFAULT '{}')
RETURNS TABLE (event_id uuid, action_id text, rank integer, probability float8, score float8, item anyelement)
AS 'MODULE_PATHNAME', 'pz_rank_rows'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
-- As pz_rank: a typical candidate list, not the default 1,000.
ROWS 50
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.pz_rank_rows(text, jsonb, anyarray, jsonb) IS 'Ranks candidate rows (an array of a composite type) for a context with the loop''s exploring policy, logs the decision and returns each row as item.';

REVOKE ALL ON FUNCTION @extschema@.pz_rank_rows(text, jsonb, anyarray, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_rank_rows(text, jsonb, anyarray, jsonb) TO pz_app, pz_admin;
