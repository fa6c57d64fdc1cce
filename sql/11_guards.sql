-- Guards: the memory of a loop's model, the size of rank documents and the
-- rewards of one event for callers that are not superusers, and roles with
-- pz's names that pz did not create. Errors show with their hint.
\set SHOW_CONTEXT never

-- Model memory (pz.max_model_memory, 256MB by default): checked when bits is
-- set, and again before a model is built to rank or to train.
SHOW pz.max_model_memory;
SELECT error_of($$SELECT pz_create_loop('huge', '{"bits": 26}')$$);
SELECT name FROM pz_create_loop('roomy', '{"bits": 24, "reward_wait": "0 seconds"}');
SELECT error_of($$SELECT pz_configure_loop('roomy', '{"bits": 25}')$$);
SET pz.max_model_memory = '1GB';
SELECT name FROM pz_create_loop('huge', '{"bits": 26}');
RESET pz.max_model_memory;
SELECT written_rows() AS before_refusals \gset
SELECT error_of($$SELECT * FROM pz_rank('huge', '{}', '["a"]')$$);
SELECT error_of($$SELECT pz_train('huge')$$);
SELECT written_rows() = :'before_refusals' AS nothing_written;
SELECT pz_configure_loop('roomy', '{"bits": 25}');

-- Documents and rewards, for a role of the application.
CREATE ROLE regress_guarded_app IN ROLE pz_app;
SELECT name FROM pz_create_loop('limited', '{"reward_wait": "0 seconds"}');
SET pz.max_document_bytes = '2kB';
SET pz.max_rewards_per_event = 2;
SET ROLE regress_guarded_app;
SELECT error_of($$SET pz.max_document_bytes = '1MB'$$);
SELECT error_of(format($$SELECT * FROM pz_rank('limited', %L, '["a"]')$$,
                       jsonb_build_object('text', repeat('x', 3000))));
SELECT error_of(format($$SELECT * FROM pz_rank('limited', '{}', %L)$$,
                       (SELECT jsonb_agg('item-' || g) FROM generate_series(1, 300) AS g)));
SELECT count(*) FROM pz_rank('limited', jsonb_build_object('text', repeat('x', 3000)), '["a"]');
SELECT count(*) FROM pz_rank('limited', jsonb_build_object('text', repeat('x', 1000)), '["a", "b"]',
                             '{"event_id": "00000000-0000-4000-8000-000000000201"}');
SELECT pz_reward('00000000-0000-4000-8000-000000000201', 1), pz_reward('00000000-0000-4000-8000-000000000201', 0.5);
SELECT error_of($$SELECT pz_reward('00000000-0000-4000-8000-000000000201', 1)$$);
SELECT pz_reward('00000000-0000-4000-8000-000000000201', 1);
RESET ROLE;
-- Superusers are not limited.
SELECT pz_reward('00000000-0000-4000-8000-000000000201', 0);
SELECT count(*) FROM pz_rank('limited', jsonb_build_object('text', repeat('x', 3000)), '["a"]');
SELECT count(*) AS rewards FROM pz.rewards WHERE event_id = '00000000-0000-4000-8000-000000000201';
RESET pz.max_document_bytes;
RESET pz.max_rewards_per_event;
SELECT pz_drop_loop(name) FROM pz.loops WHERE name IN ('roomy', 'huge', 'limited');
DROP ROLE regress_guarded_app;

-- Roles with pz's names: pz's own are marked, and another database installs
-- pz with them; one pz did not create is refused unless adopted on purpose.
SELECT rolname, shobj_description(oid, 'pg_authid') LIKE 'pz extension role:%' AS marked
  FROM pg_roles WHERE rolname IN ('pz_app', 'pz_analyst', 'pz_admin') ORDER BY rolname;
\set regress_database :DBNAME
CREATE DATABASE pz_regress_roles;
\c pz_regress_roles
COMMENT ON ROLE pz_analyst IS 'the analysts of another application';
CREATE EXTENSION pz;
SET pz.adopt_existing_roles = on;
CREATE EXTENSION pz;
SELECT shobj_description(oid, 'pg_authid') LIKE 'pz extension role:%' AS marked_again
  FROM pg_roles WHERE rolname = 'pz_analyst';
\c :regress_database
DROP DATABASE pz_regress_roles;
