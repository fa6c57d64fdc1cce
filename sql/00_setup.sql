-- Helpers shared by the regression tests that follow.

-- Runs a statement and shows how it failed: SQLSTATE and message.
CREATE FUNCTION error_of(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Rows in every pz table, to show that a rejected call wrote nothing.
CREATE FUNCTION written_rows() RETURNS text
LANGUAGE sql AS $$
SELECT format('loops=%s events=%s rewards=%s models=%s',
              (SELECT count(*) FROM pz.loops), (SELECT count(*) FROM pz.events),
              (SELECT count(*) FROM pz.rewards), (SELECT count(*) FROM pz.models))
$$;

SELECT extname, extversion FROM pg_extension WHERE extname = 'pz';
