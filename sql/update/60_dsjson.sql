-- Migration and interop: Decision Service JSON (DSJSON) in and out. The
-- mapping is in the README ("Migrating from a hosted personalizer").

-- One imported line on its way into pz.events (internal: the import passes a
-- batch of them to one INSERT ... SELECT FROM unnest()).
CREATE TYPE pz.dsjson_event AS (
    line          bigint,
    event_id      uuid,
    created_at    timestamptz,
    context       jsonb,
    actions       jsonb,
    ranking       text[],
    probabilities float8[],
    active        boolean,
    baseline      text,
    reward        float8,
    outcome       text
);
COMMENT ON TYPE pz.dsjson_event IS 'Internal: one DSJSON line mapped to a pz event, as pz_import_dsjson inserts it.';

CREATE FUNCTION @extschema@.pz_import_dsjson(loop text, dsjson text) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pz_import_dsjson'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.pz_import_dsjson(text, text) IS 'Imports newline-separated Decision Service JSON lines as joined events of the loop, with their rewards, and trains the loop''s model on them; all or nothing.';

CREATE FUNCTION @extschema@.pz_export_dsjson(loop text, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pz_export_dsjson'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
ROWS 1000
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.pz_export_dsjson(text, timestamptz, timestamptz) IS 'The loop''s joined events created in [since, until) as Decision Service JSON lines (Vowpal Wabbit --dsjson --cb_explore_adf), in event order.';

REVOKE ALL ON FUNCTION @extschema@.pz_import_dsjson(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.pz_export_dsjson(text, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_import_dsjson(text, text) TO pz_admin;
GRANT EXECUTE ON FUNCTION @extschema@.pz_export_dsjson(text, timestamptz, timestamptz) TO pz_analyst, pz_admin;
