-- Forgetting a person: pz_rank's option "subject" logs a keyed hash of the
-- subject; pz_forget deletes that subject's events and rewards in every loop.
SELECT name FROM pz_create_loop('home', '{"reward_wait": "0 seconds"}');
SELECT name FROM pz_create_loop('mail', '{"reward_wait": "0 seconds"}');

-- The hash is HMAC-SHA256 (RFC 4231, test case 2).
SELECT encode(pz.subject_hash('what do ya want for nothing?', 'Jefe'), 'hex') AS rfc4231_case2;

-- One random 32-byte key per database, readable by the extension's owner only.
SELECT count(*) AS keys, min(length(key)) AS key_bytes FROM pz.subject_keys;
SELECT r AS role, has_table_privilege(r, 'pz.subject_keys', 'SELECT') AS reads_keys,
       has_function_privilege(r, 'pz.subject_hash(text, bytea)', 'EXECUTE') AS hashes,
       has_function_privilege(r, 'pz_forget(text)', 'EXECUTE') AS forgets
  FROM unnest(ARRAY['pz_app', 'pz_analyst', 'pz_admin']) AS r;

-- Alice in both loops, Bob in one, and decisions without a subject. An
-- integral number is read as its digits, like an action id.
CREATE FUNCTION rank_for(loop text, subject jsonb, n integer, tag text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    id uuid;
BEGIN
    FOR i IN 1..n LOOP
        id := md5(loop || tag || i)::uuid;
        PERFORM pz_rank(loop, '{"user": {"segment": "a"}}', '["x", "y"]',
                        jsonb_build_object('event_id', id, 'subject', subject));
        PERFORM pz_reward(id, 1);
        IF i = 1 THEN
            PERFORM pz_reward(id, 0, 'purchase');
        END IF;
    END LOOP;
END
$$;
SELECT rank_for('home', '"alice"', 3, 'a'), rank_for('mail', '"alice"', 2, 'a'),
       rank_for('home', '"bob"', 2, 'b'), rank_for('home', 'null', 2, 'n'), rank_for('mail', '1234', 1, 'n');
-- Decided but not logged: nothing to forget.
SELECT count(*) FROM pz_rank('home', '{}', '["x", "y"]', '{"subject": "alice", "learn": false}');

SELECT coalesce(s.subject, '(none)') AS subject, count(*) AS events
  FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)
  LEFT JOIN (SELECT v AS subject, pz.subject_hash(v, k.key) AS hash
               FROM unnest(ARRAY['alice', 'bob', '1234']) AS v, pz.subject_keys AS k) AS s
    ON s.hash = e.subject_hash
 WHERE l.name IN ('home', 'mail')
 GROUP BY s.subject ORDER BY 1;
-- The log holds neither the subject nor the key.
SELECT count(*) AS events_showing_alice FROM pz.events AS e
 WHERE e::text LIKE '%alice%' OR e.subject_hash = convert_to('alice', 'UTF8');

SELECT pz_train('home') ->> 'learned' AS home_learned, pz_train('mail') ->> 'learned' AS mail_learned;

-- Forget Alice: her 5 events and 7 rewards, in both loops; nobody else's.
SELECT pz_forget('alice');
SELECT l.name, count(e.*) AS events, count(r.*) AS rewards
  FROM pz.loops AS l JOIN pz.events AS e USING (loop_id) LEFT JOIN pz.rewards AS r USING (event_id)
 WHERE l.name IN ('home', 'mail') GROUP BY l.name ORDER BY l.name;
SELECT pz_forget('alice');
SELECT pz_forget('1234');
SELECT pz_forget('nobody');

-- A key restored from a dump sits next to the one made at install: events
-- hashed with it are found too, and new events use the newest key.
INSERT INTO pz.subject_keys (key, created_at)
VALUES (decode(repeat('ab', 32), 'hex'), now() - interval '1 year');
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at, subject_hash)
SELECT '16000000-0000-4000-8000-0000000000f1', loop_id, now() - interval '1 year', '{}', '["x"]', '{x}', '{1}', '{0}',
       'x', 0, true, now() - interval '1 year', pz.subject_hash('bob', decode(repeat('ab', 32), 'hex'))
  FROM pz.loops WHERE name = 'home';
SELECT count(*) FROM pz_rank('home', '{}', '["x", "y"]', '{"subject": "bob", "event_id": "16000000-0000-4000-8000-0000000000f2"}');
SELECT event_id, subject_hash = (SELECT pz.subject_hash('bob', key) FROM pz.subject_keys ORDER BY created_at DESC LIMIT 1)
         AS newest_key
  FROM pz.events WHERE event_id IN ('16000000-0000-4000-8000-0000000000f1', '16000000-0000-4000-8000-0000000000f2')
 ORDER BY event_id;
SELECT pz_forget('bob');
DELETE FROM pz.subject_keys WHERE created_at < now() - interval '1 day';
SELECT count(*) AS subjects_left FROM pz.events JOIN pz.loops USING (loop_id)
 WHERE name IN ('home', 'mail') AND subject_hash IS NOT NULL;

-- Errors: nothing is written or deleted.
SELECT count(*) FROM pz_rank('home', '{}', '["x"]', '{"subject": "carol"}');
SELECT written_rows() AS rows_before \gset
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_forget(NULL)$$,
  $$SELECT pz_forget('')$$,
  $$SELECT pz_rank('home', '{}', '["x"]', '{"subject": ""}')$$,
  $$SELECT pz_rank('home', '{}', '["x"]', '{"subject": true}')$$,
  $$SELECT pz_rank('home', '{}', '["x"]', '{"subject": ["carol"]}')$$,
  $$SELECT pz_rank('home', '{}', '["x"]', '{"subject": 1.5}')$$
]) AS q;
SELECT written_rows() = :'rows_before' AS nothing_written;

-- Only pz_admin forgets; nobody but the owner reads the keys.
CREATE ROLE regress_forget_app IN ROLE pz_app;
CREATE ROLE regress_forget_analyst IN ROLE pz_analyst;
CREATE ROLE regress_forget_admin IN ROLE pz_admin;
SET ROLE regress_forget_app;
SELECT count(*) FROM pz_rank('home', '{}', '["x"]', '{"subject": "dave"}');
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_forget('carol')$$,
  $$SELECT count(*) FROM pz.subject_keys$$
]) AS q;
SET ROLE regress_forget_analyst;
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_forget('carol')$$,
  $$SELECT count(*) FROM pz.subject_keys$$,
  $$SELECT pz.subject_hash('carol', '\x00')$$
]) AS q;
SET ROLE regress_forget_admin;
SELECT error_of($$SELECT count(*) FROM pz.subject_keys$$) AS admin_reads_keys;
SELECT pz_forget('carol'), pz_forget('dave');
RESET ROLE;
DROP ROLE regress_forget_app, regress_forget_analyst, regress_forget_admin;

-- Without a key, a subject cannot be hashed: a clear error (the key is read
-- once per connection, so a new one is used here).
\c
BEGIN;
DELETE FROM pz.subject_keys;
SELECT error_of($$SELECT pz_rank('home', '{}', '["x"]', '{"subject": "erin"}')$$);
SELECT pz_forget('erin');
ROLLBACK;

SELECT pz_drop_loop('home'), pz_drop_loop('mail');
DROP FUNCTION rank_for(text, jsonb, integer, text);
