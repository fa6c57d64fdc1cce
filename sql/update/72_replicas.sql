-- Scale-out on PostgreSQL's own replication: hot standbys rank with the
-- models replication brings them (logging = buffered); their pz logger
-- forwards the decisions and rewards made there to the primary through
-- pz.ingest_forwarded, which only members of pz_forwarder may call.

-- The role a standby's forwarder logs in as (through a LOGIN role granted it).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pz_forwarder') THEN
        CREATE ROLE pz_forwarder NOLOGIN;
    ELSIF coalesce(pg_catalog.shobj_description((SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'pz_forwarder'),
                                                'pg_authid'), '') NOT LIKE 'pz extension role:%'
          AND coalesce(pg_catalog.current_setting('pz.adopt_existing_roles', true), 'off') NOT IN ('on', 'true', 'yes', '1') THEN
        RAISE EXCEPTION 'roles that pz did not create already exist: pz_forwarder'
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'pz grants its privileges to the role pz_forwarder.',
                  HINT = 'To let pz use it, run SET pz.adopt_existing_roles = on first; otherwise rename or drop it.';
    END IF;
END
$$;
COMMENT ON ROLE pz_forwarder IS 'pz extension role: forwards the decisions and rewards of hot standbys to the primary (pz.ingest_forwarded only).';

CREATE TABLE pz.forwarded_rewards (
    reward_key   uuid PRIMARY KEY,
    node         text NOT NULL,
    event_id     uuid NOT NULL,
    forwarded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX forwarded_rewards_age_idx ON pz.forwarded_rewards (forwarded_at);
COMMENT ON TABLE pz.forwarded_rewards IS 'The keys of the rewards received on standbys and written to pz.rewards: a reward forwarded again (after a lost connection, or by a promoted standby) is not written twice. Kept 7 days.';
COMMENT ON COLUMN pz.forwarded_rewards.reward_key IS 'Random key the standby gave the reward when pz_reward queued it.';
COMMENT ON COLUMN pz.forwarded_rewards.node IS 'The node that received the reward (pz.node_name).';
COMMENT ON COLUMN pz.forwarded_rewards.event_id IS 'The rewarded event.';
COMMENT ON COLUMN pz.forwarded_rewards.forwarded_at IS 'When the reward was written here.';
SELECT pg_catalog.pg_extension_config_dump('pz.forwarded_rewards', '');

CREATE TABLE pz.node_inflow (
    node             text NOT NULL,
    loop_id          integer NOT NULL,
    events           bigint NOT NULL DEFAULT 0,
    rewards          bigint NOT NULL DEFAULT 0,
    first_forward_at timestamptz NOT NULL,
    last_forward_at  timestamptz NOT NULL,
    forwarding_lag   interval NOT NULL,
    PRIMARY KEY (node, loop_id)
);
COMMENT ON TABLE pz.node_inflow IS 'Per standby and loop: the decisions and rewards forwarded to this primary (pz.loop_status shows them per node).';
COMMENT ON COLUMN pz.node_inflow.node IS 'The standby (its pz.node_name).';
COMMENT ON COLUMN pz.node_inflow.loop_id IS 'The loop.';
COMMENT ON COLUMN pz.node_inflow.events IS 'Decisions of the loop made on the node and written here (each once).';
COMMENT ON COLUMN pz.node_inflow.rewards IS 'Rewards of the loop received on the node and written here (each once).';
COMMENT ON COLUMN pz.node_inflow.first_forward_at IS 'When the first of them arrived.';
COMMENT ON COLUMN pz.node_inflow.last_forward_at IS 'When the latest batch with some of them arrived.';
COMMENT ON COLUMN pz.node_inflow.forwarding_lag IS 'In that batch: how long its oldest decision or reward of the loop had waited since it was made on the node.';
SELECT pg_catalog.pg_extension_config_dump('pz.node_inflow', '');

CREATE FUNCTION pz.ingest_forwarded(node text, batch bytea,
                                    OUT events bigint, OUT rewards bigint, OUT duplicates bigint, OUT discarded bigint)
AS 'MODULE_PATHNAME', 'pz_ingest_forwarded'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION pz.ingest_forwarded(text, bytea) IS 'Writes a batch of decisions and rewards that the pz logger of a standby forwarded (idempotent: what was written before counts as a duplicate). For members of pz_forwarder.';

CREATE FUNCTION pz.queue_reward(event_id uuid, reward float8, signal text) RETURNS void
AS 'MODULE_PATHNAME', 'pz_queue_reward'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION pz.queue_reward(uuid, float8, text) IS 'Internal: pz_reward on a hot standby queues the checked reward for the primary.';

-- On a hot standby the reward is queued for the primary (it cannot insert);
-- its event was found in pz.events or in the queue, as on a primary.
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
    IF pg_catalog.pg_is_in_recovery() THEN
        PERFORM pz.queue_reward(event_id, reward, signal);
        RETURN;
    END IF;
    INSERT INTO pz.rewards (event_id, value, signal) VALUES (event_id, reward, signal);
END
$$;

-- pz.log_queue gains the forwarding figures.
DROP VIEW pz.log_queue;
DROP FUNCTION pz.log_queue_stats();
CREATE FUNCTION pz.log_queue_stats(OUT queued bigint, OUT queued_bytes bigint, OUT capacity_bytes bigint,
                                   OUT enqueued bigint, OUT written bigint, OUT written_directly bigint,
                                   OUT discarded bigint, OUT failed bigint, OUT forwarded bigint,
                                   OUT dropped bigint, OUT logger_running boolean,
                                   OUT forwarder_connected boolean)
AS 'MODULE_PATHNAME', 'pz_log_queue_stats'
LANGUAGE C VOLATILE;
CREATE VIEW pz.log_queue AS SELECT * FROM pz.log_queue_stats();
COMMENT ON VIEW pz.log_queue IS 'The buffered-log queue of the server (all zero when pz is not preloaded): decisions (and, on a standby, rewards) waiting for the pz logger, and counts since the server started.';
COMMENT ON COLUMN pz.log_queue.queued IS 'Decisions (and rewards, on a standby) queued and not yet written to pz.events, or forwarded and not yet replayed back.';
COMMENT ON COLUMN pz.log_queue.queued_bytes IS 'Memory those records take in the queue.';
COMMENT ON COLUMN pz.log_queue.capacity_bytes IS 'Size of the queue (pz.log_buffer_size).';
COMMENT ON COLUMN pz.log_queue.enqueued IS 'Records queued since the server started.';
COMMENT ON COLUMN pz.log_queue.written IS 'Queued records the logger wrote to pz.events (on a standby: forwarded and replayed back).';
COMMENT ON COLUMN pz.log_queue.written_directly IS 'Events that rank calls inserted themselves because the queue was full or closing (each with a WARNING).';
COMMENT ON COLUMN pz.log_queue.discarded IS 'Queued events not written because their loop, or the extension, was dropped meanwhile.';
COMMENT ON COLUMN pz.log_queue.failed IS 'Queued events the logger could not write (each with a WARNING in the server log).';
COMMENT ON COLUMN pz.log_queue.forwarded IS 'On a standby: records sent to the primary (pz.primary_conninfo) and committed there; a batch resent after a lost answer counts again.';
COMMENT ON COLUMN pz.log_queue.dropped IS 'On a standby: decisions and rewards not logged because the queue was full while the primary did not take them (each with a WARNING).';
COMMENT ON COLUMN pz.log_queue.logger_running IS 'Whether the pz logger is running.';
COMMENT ON COLUMN pz.log_queue.forwarder_connected IS 'On a standby: whether the pz logger is connected to the primary.';

-- Per loop, the standbys that forwarded to this primary.
CREATE FUNCTION pz.loop_nodes(loop_id integer) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT jsonb_object_agg(n.node, jsonb_build_object(
           'events', n.events, 'rewards', n.rewards, 'last_forward_at', n.last_forward_at,
           'forwarding_lag', n.forwarding_lag) ORDER BY n.node)
  FROM pz.node_inflow AS n WHERE n.loop_id = loop_nodes.loop_id
$$;
COMMENT ON FUNCTION pz.loop_nodes(integer) IS 'Internal: the nodes column of pz.loop_status.';

CREATE OR REPLACE VIEW pz.loop_status AS
SELECT s.*, pz.loop_nodes(l.loop_id) AS nodes
  FROM pz.loop_status_rows() AS s LEFT JOIN pz.loops AS l ON l.name = s.loop;
COMMENT ON COLUMN pz.loop_status.nodes IS 'Per standby that forwarded decisions or rewards of the loop to this primary: events and rewards written (each once), when its latest batch came, and the forwarding lag of that batch. NULL: none.';

REVOKE ALL ON pz.forwarded_rewards, pz.node_inflow, pz.log_queue FROM PUBLIC;
GRANT SELECT ON pz.forwarded_rewards, pz.node_inflow, pz.log_queue TO pz_analyst, pz_admin;
REVOKE ALL ON FUNCTION pz.ingest_forwarded(text, bytea), pz.queue_reward(uuid, float8, text),
                       pz.log_queue_stats(), pz.loop_nodes(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pz.ingest_forwarded(text, bytea) TO pz_forwarder;
GRANT EXECUTE ON FUNCTION pz.log_queue_stats(), pz.loop_nodes(integer) TO pz_analyst, pz_admin;
GRANT USAGE ON SCHEMA pz TO pz_forwarder;
