-- Buffered logging (loop setting logging = 'buffered'): pz_rank queues the
-- event in shared memory and the pz logger writes it to pz.events in batches,
-- so ranking writes nothing. Rewards and activations must find an event that
-- is still queued.

INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('logging', '"transactional"', 'pz.check_choice_setting($1, $2, ''{transactional,buffered}'')');

CREATE FUNCTION pz.event_queued(event_id uuid) RETURNS boolean
AS 'MODULE_PATHNAME', 'pz_event_queued'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pz.event_queued(uuid) IS 'Internal: whether an event of this database waits in the buffered-log queue.';

CREATE FUNCTION pz.write_queued_event(event_id uuid) RETURNS boolean
AS 'MODULE_PATHNAME', 'pz_write_queued_event'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION pz.write_queued_event(uuid) IS 'Internal: inserts a queued event into pz.events in the current transaction; false if it is not queued.';

-- The one test of "this event was logged" for the functions that take an
-- event id. The table first (where a reward's event usually is by then), then
-- the queue, then the table again: an event leaves the queue only once its
-- row is committed, so the last statement sees a row written in between.
CREATE FUNCTION pz.event_logged(event_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT FROM pz.events AS e WHERE e.event_id = event_logged.event_id)
       OR pz.event_queued(event_logged.event_id) THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT FROM pz.events AS e WHERE e.event_id = event_logged.event_id);
END
$$;
COMMENT ON FUNCTION pz.event_logged(uuid) IS 'Internal: whether an event is in pz.events or still queued for it.';

CREATE OR REPLACE FUNCTION @extschema@.pz_reward(event_id uuid, reward float8, signal text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF event_id IS NULL OR reward IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN event_id IS NULL THEN 'event_id' ELSE 'reward' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- NaN and the infinities fail this test too
    IF NOT reward BETWEEN -1 AND 1 THEN
        RAISE EXCEPTION 'reward % is out of range', reward
            USING ERRCODE = 'numeric_value_out_of_range', DETAIL = 'A reward must be a finite number from -1 to 1.';
    END IF;
    IF signal IS NOT NULL AND length(signal) NOT BETWEEN 1 AND 128 THEN
        RAISE EXCEPTION 'signal must be 1 to 128 characters long'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT pz.event_logged(event_id) THEN
        RAISE EXCEPTION 'event % does not exist', event_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Only logged events take rewards: not those ranked with options.learn = false, nor those of a transaction that has not committed.';
    END IF;
    INSERT INTO pz.rewards (event_id, value, signal) VALUES (event_id, reward, signal);
END
$$;

-- Activating changes the event's row: a queued event is written first, in
-- this transaction (the logger's later write of it finds it there).
CREATE OR REPLACE FUNCTION @extschema@.pz_activate(event_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    event record;
BEGIN
    IF event_id IS NULL THEN
        RAISE EXCEPTION 'event_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pz.write_queued_event(event_id);
    UPDATE pz.events AS e SET active = true, activated_at = clock_timestamp()
     WHERE e.event_id = pz_activate.event_id AND NOT e.active AND e.joined_at IS NULL;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT e.active, e.joined_at INTO event FROM pz.events AS e WHERE e.event_id = pz_activate.event_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'event % does not exist', event_id USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT event.active THEN
        RAISE EXCEPTION 'event % was skipped: its reward wait ended before it was activated', event_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- already active: nothing to do
END
$$;

CREATE FUNCTION pz.log_queue_stats(OUT queued bigint, OUT queued_bytes bigint, OUT capacity_bytes bigint,
                                   OUT enqueued bigint, OUT written bigint, OUT written_directly bigint,
                                   OUT discarded bigint, OUT failed bigint, OUT logger_running boolean)
AS 'MODULE_PATHNAME', 'pz_log_queue_stats'
LANGUAGE C VOLATILE;

CREATE VIEW pz.log_queue AS SELECT * FROM pz.log_queue_stats();
COMMENT ON VIEW pz.log_queue IS 'The buffered-log queue of the server (all zero when pz is not preloaded): events waiting for the pz logger, and counts since the server started.';
COMMENT ON COLUMN pz.log_queue.queued IS 'Events queued and not yet written to pz.events.';
COMMENT ON COLUMN pz.log_queue.queued_bytes IS 'Memory those events take in the queue.';
COMMENT ON COLUMN pz.log_queue.capacity_bytes IS 'Size of the queue (pz.log_buffer_size).';
COMMENT ON COLUMN pz.log_queue.enqueued IS 'Events queued since the server started.';
COMMENT ON COLUMN pz.log_queue.written IS 'Queued events the logger wrote to pz.events.';
COMMENT ON COLUMN pz.log_queue.written_directly IS 'Events that rank calls inserted themselves because the queue was full or closing (each with a WARNING).';
COMMENT ON COLUMN pz.log_queue.discarded IS 'Queued events not written because their loop, or the extension, was dropped meanwhile.';
COMMENT ON COLUMN pz.log_queue.failed IS 'Queued events the logger could not write (each with a WARNING in the server log).';
COMMENT ON COLUMN pz.log_queue.logger_running IS 'Whether the pz logger is running.';

REVOKE ALL ON FUNCTION pz.event_queued(uuid), pz.write_queued_event(uuid), pz.event_logged(uuid),
                       pz.log_queue_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pz.log_queue_stats() TO pz_analyst, pz_admin;
REVOKE ALL ON pz.log_queue FROM PUBLIC;
GRANT SELECT ON pz.log_queue TO pz_analyst, pz_admin;
