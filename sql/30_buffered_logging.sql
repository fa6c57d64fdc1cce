-- The loop setting logging, and buffered logging where it is not available:
-- this database is not the one the pz logger serves (pz.database = postgres).
-- tests/cluster/buffered.sh tests buffered logging itself.
SELECT settings->'logging' AS default_logging FROM pz_create_loop('logged');
SELECT settings->'logging' AS logging FROM pz_configure_loop('logged', '{"logging": "buffered"}');
SELECT q AS settings, error_of(format('SELECT pz_configure_loop(%L, %L)', 'logged', q)) AS error FROM unnest(ARRAY[
  '{"logging": "sometimes"}',
  '{"logging": 1}',
  '{"logging": true}'
]) AS q;
SELECT settings->'logging' AS unchanged FROM pz.loops WHERE name = 'logged';

-- Buffered logging is refused here, and nothing is written.
SELECT written_rows() AS before \gset
SELECT error_of($$SELECT count(*) FROM pz_rank('logged', '{}', '["a", "b"]')$$) AS buffered_elsewhere;
SELECT written_rows() = :'before' AS nothing_written;
-- learn = false logs nothing, so it works whatever the logging.
SELECT count(*) AS ranked_without_logging FROM pz_rank('logged', '{}', '["a", "b"]', '{"learn": false}');

-- Transactional logging needs a transaction that can write.
SELECT settings->'logging' AS reset FROM pz_configure_loop('logged', '{"logging": null}');
BEGIN READ ONLY;
SELECT error_of($$SELECT count(*) FROM pz_rank('logged', '{}', '["a", "b"]')$$) AS read_only_transactional;
ROLLBACK;
SELECT count(*) AS ranked FROM pz_rank('logged', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-0000000003a1"}');

-- Rewards and activation still find logged events, and refuse unknown ones.
SELECT pz.event_queued('00000000-0000-4000-8000-0000000003a1') AS queued,
       pz.event_logged('00000000-0000-4000-8000-0000000003a1') AS logged,
       pz.event_logged('00000000-0000-4000-8000-0000000003a2') AS unknown_logged;
SELECT pz_reward('00000000-0000-4000-8000-0000000003a1', 1);
SELECT pz_activate('00000000-0000-4000-8000-0000000003a1');
SELECT error_of($$SELECT pz_reward('00000000-0000-4000-8000-0000000003a2', 1)$$) AS reward_unknown;
SELECT error_of($$SELECT pz_activate('00000000-0000-4000-8000-0000000003a2')$$) AS activate_unknown;
SELECT pz.write_queued_event('00000000-0000-4000-8000-0000000003a2') AS written_unknown;

-- The queue's figures: the logger runs (in database postgres); nothing of ours is queued.
SELECT capacity_bytes = 16 * 1024 * 1024 AS default_capacity, logger_running, queued >= 0 AS counted
  FROM pz.log_queue;
SELECT backend_type FROM pg_stat_activity WHERE backend_type = 'pz logger';

-- Only analysts and admins read the queue's figures; the internal functions are nobody's.
CREATE ROLE regress_queue_app IN ROLE pz_app;
CREATE ROLE regress_queue_analyst IN ROLE pz_analyst;
SET ROLE regress_queue_app;
SELECT error_of($$SELECT count(*) FROM pz.log_queue$$) AS app_reads_queue;
SELECT error_of($$SELECT pz.event_queued('00000000-0000-4000-8000-0000000003a1')$$) AS app_checks_queue;
SELECT error_of($$SELECT pz.write_queued_event('00000000-0000-4000-8000-0000000003a1')$$) AS app_writes_queue;
RESET ROLE;
SET ROLE regress_queue_analyst;
SELECT count(*) AS analyst_reads_queue FROM pz.log_queue;
RESET ROLE;
DROP ROLE regress_queue_app, regress_queue_analyst;
SELECT pz_drop_loop('logged');
