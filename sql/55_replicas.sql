-- pz.ingest_forwarded, the primary's end of forwarding from hot standbys:
-- who may call it, the batches it refuses (writing nothing), and rewards
-- written once by their key. tests/cluster/replicas.sh runs real standbys.
SELECT rolcanlogin FROM pg_roles WHERE rolname = 'pz_forwarder';
SELECT shobj_description(oid, 'pg_authid') LIKE 'pz extension role:%' AS marked_as_pz_role
  FROM pg_roles WHERE rolname = 'pz_forwarder';

-- A batch by hand: header 'PZF1' + record count; each record a kind (0
-- decision, 1 reward), its payload size, its event id, its payload. A reward's
-- payload: key, received_at (microseconds since 2000), value, signal size (-1:
-- none), 4 bytes of padding, then the signal.
CREATE FUNCTION pg_temp.le(bytes bytea) RETURNS bytea LANGUAGE sql AS $$
SELECT string_agg(substr(bytes, i, 1), ''::bytea ORDER BY i DESC) FROM generate_series(1, length(bytes)) AS i
$$;
CREATE FUNCTION pg_temp.reward_record(event_id uuid, key uuid, value float8, signal text DEFAULT NULL) RETURNS bytea
LANGUAGE sql AS $$
SELECT '\x01'::bytea || pg_temp.le(int4send(40 + coalesce(octet_length(signal), 0))) || uuid_send(event_id)
       || uuid_send(key)
       || pg_temp.le(int8send(((extract(epoch FROM now()) - 946684800) * 1000000)::bigint))
       || pg_temp.le(float8send(value)) || pg_temp.le(int4send(coalesce(octet_length(signal), -1)))
       || '\x00000000'::bytea || coalesce(convert_to(signal, 'UTF8'), '')
$$;
CREATE FUNCTION pg_temp.batch(VARIADIC records bytea[]) RETURNS bytea LANGUAGE sql AS $$
SELECT convert_to('PZF1', 'UTF8') || pg_temp.le(int4send(cardinality(records)))
       || coalesce((SELECT string_agg(r, ''::bytea) FROM unnest(records) AS r), '')
$$;

SELECT pz_create_loop('replicated') IS NOT NULL AS created;
SELECT count(*) AS ranked FROM pz_rank('replicated', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-000000000551"}');

-- Only members of pz_forwarder call it; it grants nothing else.
CREATE ROLE regress_forwarder LOGIN IN ROLE pz_forwarder;
CREATE ROLE regress_fwd_app IN ROLE pz_app;
CREATE ROLE regress_fwd_admin IN ROLE pz_admin;
SET ROLE regress_fwd_app;
SELECT error_of($$SELECT pz.ingest_forwarded('node1', '\x')$$) AS app_ingests;
SELECT error_of($$SELECT pz.queue_reward('00000000-0000-4000-8000-000000000551', 1, NULL)$$) AS app_queues_reward;
RESET ROLE;
SET ROLE regress_fwd_admin;
SELECT error_of($$SELECT pz.ingest_forwarded('node1', '\x')$$) AS admin_ingests;
RESET ROLE;
SET ROLE regress_forwarder;
SELECT error_of($$SELECT count(*) FROM pz.events$$) AS forwarder_reads_events;
SELECT error_of($$SELECT count(*) FROM pz.node_inflow$$) AS forwarder_reads_inflow;
SELECT error_of($$SELECT count(*) FROM pz_rank('replicated', '{}', '["a"]')$$) AS forwarder_ranks;
SELECT * FROM pz.ingest_forwarded('node1', pg_temp.batch(VARIADIC '{}'));
RESET ROLE;

-- Refused batches write nothing.
SELECT written_rows() AS before \gset
SET ROLE regress_forwarder;
SELECT b AS case_name, error_of(format('SELECT pz.ingest_forwarded(%L, %L::bytea)', n, v)) AS error
  FROM (VALUES
    ('null node', NULL, pg_temp.batch(VARIADIC '{}')::text),
    ('null batch', 'node1', NULL),
    ('empty node', '', pg_temp.batch(VARIADIC '{}')::text),
    ('long node', repeat('n', 64), pg_temp.batch(VARIADIC '{}')::text),
    ('no header', 'node1', '\x505a'),
    ('wrong magic', 'node1', '\x585a463100000000'),
    ('more records announced', 'node1', (convert_to('PZF1', 'UTF8') || pg_temp.le(int4send(1)))::text),
    ('record cut short', 'node1', substr(pg_temp.batch(pg_temp.reward_record('00000000-0000-4000-8000-000000000551',
                                         '00000000-0000-4000-8000-00000000a001', 1)), 1, 60)::text),
    ('unknown kind', 'node1', pg_temp.batch('\x07'::bytea || pg_temp.le(int4send(0)) || uuid_send(gen_random_uuid()))::text),
    ('reward of the wrong size', 'node1', pg_temp.batch('\x01'::bytea || pg_temp.le(int4send(3)) || uuid_send(gen_random_uuid()) || '\x000000'::bytea)::text),
    ('decision with null columns', 'node1', pg_temp.batch('\x00'::bytea || pg_temp.le(int4send(60)) || uuid_send(gen_random_uuid())
                                            || decode(repeat('feffffff', 15), 'hex'))::text),
    ('decision cut short', 'node1', pg_temp.batch('\x00'::bytea || pg_temp.le(int4send(4)) || uuid_send(gen_random_uuid()) || '\x10000000'::bytea)::text)
  ) AS t(b, n, v);
RESET ROLE;
SELECT written_rows() = :'before' AS nothing_written, (SELECT count(*) FROM pz.node_inflow) AS inflow_rows;

-- A reward forwarded twice is written once; one for an unknown event is
-- discarded; the node's inflow is counted and shown by pz.loop_status.
SET ROLE regress_forwarder;
SELECT * FROM pz.ingest_forwarded('node1', pg_temp.batch(
  pg_temp.reward_record('00000000-0000-4000-8000-000000000551', '00000000-0000-4000-8000-00000000a001', 0.5, 'click'),
  pg_temp.reward_record('00000000-0000-4000-8000-000000000559', '00000000-0000-4000-8000-00000000a002', 1)));
SELECT * FROM pz.ingest_forwarded('node1', pg_temp.batch(
  pg_temp.reward_record('00000000-0000-4000-8000-000000000551', '00000000-0000-4000-8000-00000000a001', 0.5, 'click'),
  pg_temp.reward_record('00000000-0000-4000-8000-000000000551', '00000000-0000-4000-8000-00000000a003', -1)));
RESET ROLE;
SELECT value, signal, received_at <= now() AS received FROM pz.rewards
 WHERE event_id = '00000000-0000-4000-8000-000000000551' ORDER BY reward_id;
SELECT node, event_id FROM pz.forwarded_rewards ORDER BY reward_key;
SELECT node, events, rewards, forwarding_lag >= interval '0' AS lag_known FROM pz.node_inflow;
SELECT loop, nodes->'node1'->'rewards' AS node1_rewards FROM pz.loop_status WHERE loop = 'replicated';

-- The figures of forwarding: zero on a primary.
SELECT forwarded, dropped, forwarder_connected FROM pz.log_queue;

-- pz.queue_reward (pz_reward on a standby) queues only where the logger serves.
SELECT error_of($$SELECT pz.queue_reward('00000000-0000-4000-8000-000000000551', 1, NULL)$$) AS queue_elsewhere;

DROP ROLE regress_forwarder, regress_fwd_app, regress_fwd_admin;
SELECT pz_drop_loop('replicated');
DELETE FROM pz.node_inflow;
DELETE FROM pz.forwarded_rewards;
