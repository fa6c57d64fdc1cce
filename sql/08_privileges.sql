-- Least privilege: each role's boundary, and no hijacking through search_path.
CREATE ROLE regress_app IN ROLE pz_app;
CREATE ROLE regress_analyst IN ROLE pz_analyst;
CREATE ROLE regress_admin IN ROLE pz_admin;
SELECT name FROM pz_create_loop('guarded', '{"reward_wait": "0 seconds"}');

-- pz_app ranks, rewards and activates; it cannot read the log nor change loops.
SET ROLE regress_app;
SELECT count(*) FROM pz_rank('guarded', '{}', '["a", "b"]', '{"event_id": "00000000-0000-4000-8000-0000000000d1", "deferred": true}');
SELECT pz_activate('00000000-0000-4000-8000-0000000000d1');
SELECT pz_reward('00000000-0000-4000-8000-0000000000d1', 1);
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT count(*) FROM pz.events$$,
  $$SELECT count(*) FROM pz.rewards$$,
  $$SELECT count(*) FROM pz.models$$,
  $$SELECT count(*) FROM pz.loops$$,
  $$SELECT count(*) FROM pz.loop_status$$,
  $$INSERT INTO pz.rewards (event_id, value) VALUES ('00000000-0000-4000-8000-0000000000d1', 1)$$,
  $$UPDATE pz.loops SET settings = '{}'$$,
  $$SELECT pz_create_loop('mine')$$,
  $$SELECT pz_configure_loop('guarded', '{"exploration": 1}')$$,
  $$SELECT pz_drop_loop('guarded')$$,
  $$SELECT pz_train('guarded')$$,
  $$SELECT pz_rollback_model('guarded', 0)$$,
  $$SELECT pz.merge_settings('{}', '{}')$$
]) AS q;
SELECT count(*) AS own_cache_visible FROM pz.model_cache WHERE loop = 'guarded';
RESET ROLE;

-- pz_analyst reads everything and writes nothing.
SET ROLE regress_analyst;
SELECT count(*) AS events FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000000d1';
SELECT loop, events FROM pz.loop_status WHERE loop = 'guarded';
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$DELETE FROM pz.events$$,
  $$INSERT INTO pz.rewards (event_id, value) VALUES ('00000000-0000-4000-8000-0000000000d1', 1)$$,
  $$UPDATE pz.models SET examples = 0$$,
  $$TRUNCATE pz.rewards$$,
  $$SELECT count(*) FROM pz_rank('guarded', '{}', '["a"]')$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-0000000000d1', 1)$$,
  $$SELECT pz_train('guarded')$$
]) AS q;
RESET ROLE;

-- pz_admin manages loops and trains.
SET ROLE regress_admin;
SELECT pz_train('guarded') ->> 'learned' AS learned;
SELECT settings->'exploration' FROM pz_configure_loop('guarded', '{"exploration": 0.1}');
SELECT count(*) AS models FROM pz.models m JOIN pz.loops l USING (loop_id) WHERE l.name = 'guarded';
RESET ROLE;

-- Objects in the caller's search_path cannot take over a pz function.
CREATE SCHEMA regress_evil;
CREATE FUNCTION regress_evil.length(text) RETURNS integer LANGUAGE sql AS 'SELECT 5';
CREATE FUNCTION regress_evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS $$SELECT 'object'$$;
CREATE FUNCTION regress_evil.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '2000-01-01'::timestamptz$$;
CREATE TABLE regress_evil.loops (loop_id integer, name text, settings jsonb, model_version bigint);
CREATE TABLE regress_evil.events (event_id uuid);
SET search_path = regress_evil, public;
SELECT error_of($$SELECT pz_create_loop('')$$) AS empty_name;
SELECT error_of($$SELECT pz_create_loop('evil', '[]')$$) AS array_settings;
SELECT count(*) FROM pz_rank('guarded', '{}', '["a"]', '{"event_id": "00000000-0000-4000-8000-0000000000d2"}');
SELECT count(*) AS hijacked_rows FROM regress_evil.events;
SELECT count(*) AS logged FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000000d2';
SELECT date_trunc('year', updated_at) > '2000-12-31' AS real_clock
  FROM pz_configure_loop('guarded', '{"exploration": 0.3}');
RESET search_path;
DROP SCHEMA regress_evil CASCADE;
DROP ROLE regress_app, regress_analyst, regress_admin;
