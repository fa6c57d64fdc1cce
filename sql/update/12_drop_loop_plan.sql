-- pz_drop_loop in a plan that does not depend on statistics: after a crash
-- the statistics of pz.rewards are lost, and the planner then joined every
-- reward with every event of the loop (the integration tests' clean-up took
-- over ten minutes on 150,000 events). The ids are collected once; each
-- reward is then found by its key.
CREATE OR REPLACE FUNCTION @extschema@.pz_drop_loop(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped pz.loops := pz.loop_row(name, true);
BEGIN
    DELETE FROM pz.rewards AS r
     WHERE r.event_id = ANY (ARRAY(SELECT e.event_id FROM pz.events AS e WHERE e.loop_id = dropped.loop_id));
    DELETE FROM pz.events AS e WHERE e.loop_id = dropped.loop_id;
    DELETE FROM pz.loops AS l WHERE l.loop_id = dropped.loop_id;  -- its models go by cascade
    PERFORM pz.loops_changed();
END
$$;
