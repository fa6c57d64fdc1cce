-- Retention: the loop setting `retention` (an interval; null keeps events
-- forever) bounds the decision log. The joined events of a loop created
-- longer ago than that are deleted with their rewards, oldest first, a short
-- batch a transaction: the background worker calls pz.apply_retention after
-- training a loop, and again at once while more are due. Pending events are
-- never deleted, whatever their age: they are yet to be learned.

CREATE FUNCTION pz.apply_retention(loop text, max_events integer DEFAULT 5000) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    kept_for interval := (target.settings ->> 'retention')::interval;
    expired uuid[];
    rewards_deleted bigint := 0;
BEGIN
    IF max_events IS NULL THEN
        RAISE EXCEPTION 'max_events must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF max_events NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'max_events must be from 1 to 1000000'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', max_events);
    END IF;
    IF kept_for IS NOT NULL THEN
        -- Shares the loop's row with other deleters; waits for a training
        -- step, pz_configure_loop or pz_drop_loop of the loop (each holds it
        -- for update), so that it can deadlock with none of them.
        PERFORM FROM pz.loops AS l WHERE l.loop_id = target.loop_id FOR SHARE;
        -- Oldest first, from the loop's time index. Rows that another deleter
        -- (pz_forget, a concurrent call) holds are left for a later batch
        -- rather than waited for; the trainer never updates joined events.
        SELECT array_agg(e.event_id) INTO expired
          FROM (SELECT e.event_id FROM pz.events AS e
                 WHERE e.loop_id = target.loop_id AND e.created_at < now() - kept_for
                   AND e.joined_at IS NOT NULL
                 ORDER BY e.created_at, e.event_id
                 LIMIT max_events
                   FOR UPDATE SKIP LOCKED) AS e;
    END IF;
    IF expired IS NOT NULL THEN
        DELETE FROM pz.events AS e WHERE e.event_id = ANY (expired);
        -- After the events, in a statement of its own: its snapshot also sees
        -- a late reward that committed while the events were being deleted.
        DELETE FROM pz.rewards AS r WHERE r.event_id = ANY (expired);
        GET DIAGNOSTICS rewards_deleted = ROW_COUNT;
    END IF;
    RETURN jsonb_build_object('loop', target.name, 'events', coalesce(cardinality(expired), 0),
                              'rewards', rewards_deleted,
                              'more_due', coalesce(cardinality(expired), 0) = max_events);
END
$$;
COMMENT ON FUNCTION pz.apply_retention(text, integer) IS 'Deletes up to max_events joined events of a loop older than its retention setting, with their rewards; the background worker calls it after training the loop. Returns the counts and whether more are due.';

REVOKE ALL ON FUNCTION pz.apply_retention(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pz.apply_retention(text, integer) TO pz_admin;
