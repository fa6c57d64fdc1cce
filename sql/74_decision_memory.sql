-- Logging a decision works in a per-backend scratch context that is kept
-- (one block, so that no statement grows and shrinks the process heap) and
-- emptied after every decision, however large.
SELECT name FROM pz_create_loop('memory_probe');
CREATE FUNCTION scratch_bytes(OUT total bigint, OUT used bigint) LANGUAGE sql
RETURN (SELECT (total_bytes, used_bytes) FROM pg_backend_memory_contexts WHERE name = 'pz scratch');

-- Nothing logged, nothing used: the context does not exist yet.
SELECT count(*) FROM pz_rank('memory_probe', '{}', '["a", "b"]', '{"learn": false}');
SELECT * FROM scratch_bytes();

-- A small decision: the kept megabyte, empty again afterwards.
SELECT count(*) FROM pz_rank('memory_probe', '{}', '["a", "b"]');
SELECT total BETWEEN 1024 * 1024 AND 1024 * 1024 + 1024 AS one_block,
       used < 1024 AS emptied
  FROM scratch_bytes();

-- A decision among 3,000 actions with long documents needs megabytes: the
-- blocks beyond the kept one are returned after it.
SELECT count(*)
  FROM pz_rank('memory_probe', '{"user": "u"}',
               (SELECT jsonb_agg(jsonb_build_object('id', 'item' || i,
                                                    'features', jsonb_build_object('title', repeat('x', 400) || i)))
                  FROM generate_series(1, 3000) AS i));
SELECT total BETWEEN 1024 * 1024 AND 1024 * 1024 + 1024 AS one_block, used < 1024 AS emptied
  FROM scratch_bytes();
SELECT count(*) AS logged, min(jsonb_array_length(actions)) AS fewest, max(jsonb_array_length(actions)) AS most
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'memory_probe';

-- An error while logging, the glue's own (an event id already used) or
-- PostgreSQL's (a trigger on pz.decisions refusing the row), is reported
-- whole: what it leaves in the context is emptied by the next decision.
SELECT count(*) FROM pz_rank('memory_probe', '{}', '["a"]', '{"event_id": "00000000-0000-4000-8000-000000000074"}');
SELECT count(*) FROM pz_rank('memory_probe', '{}', '["a"]', '{"event_id": "00000000-0000-4000-8000-000000000074"}');
CREATE FUNCTION refuse_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'decision % refused by a trigger', NEW.event_id USING ERRCODE = 'P0074', HINT = 'Drop the trigger.';
END
$$;
CREATE TRIGGER refuse_decision BEFORE INSERT ON pz.decisions FOR EACH ROW EXECUTE FUNCTION refuse_decision();
SELECT count(*) FROM pz_rank('memory_probe', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000000075"}');
DROP TRIGGER refuse_decision ON pz.decisions;
DROP FUNCTION refuse_decision;
SELECT count(*) FROM pz_rank('memory_probe', '{}', '["a", "b"]');
SELECT used < 1024 AS emptied FROM scratch_bytes();
SELECT count(*) AS logged FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'memory_probe';

DROP FUNCTION scratch_bytes;
SELECT pz_drop_loop('memory_probe');
