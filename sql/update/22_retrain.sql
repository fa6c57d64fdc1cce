-- Rebuilding a loop's model from the kept log, e.g. after pz_forget or
-- retention, so that deleted events stop influencing the current model.

CREATE FUNCTION @extschema@.pz_retrain(loop text, since timestamptz DEFAULT NULL) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pz_retrain'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.pz_retrain(text, timestamptz) IS 'Trains a new model version of the loop from scratch on its kept joined events (those created at or after since; all when null) and makes it current.';

REVOKE ALL ON FUNCTION @extschema@.pz_retrain(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_retrain(text, timestamptz) TO pz_admin;
