-- A transactional rank call appends its event as the pz logger does, with
-- the tables' CHECK constraints planned once per session: a constraint a DBA
-- adds, a function it calls that is redefined, and a constraint dropped are
-- each seen by the next call of the same session. A refused event writes nothing.
SELECT name FROM pz_create_loop('logged_checks', '{}');
SELECT count(*) AS ranked FROM pz_rank('logged_checks', '{}', '["a"]');

CREATE FUNCTION public.logged_checks_allowed(action text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT action <> 'x' $$;
-- NOT VALID: other tests' events may have chosen 'x'; new rows are checked.
ALTER TABLE pz.decisions ADD CONSTRAINT logged_checks_rule CHECK (public.logged_checks_allowed(chosen_action)) NOT VALID;
SELECT count(*) AS ranked FROM pz_rank('logged_checks', '{}', '["b"]');
SELECT error_of($$SELECT pz_rank('logged_checks', '{}', '["x"]')$$) AS x_refused;

-- An inlined SQL function: the plan kept would still allow 'a'.
CREATE OR REPLACE FUNCTION public.logged_checks_allowed(action text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT action NOT IN ('x', 'a') $$;
SELECT error_of($$SELECT pz_rank('logged_checks', '{}', '["a"]')$$) AS a_refused_now;
SELECT count(*) AS ranked FROM pz_rank('logged_checks', '{}', '["b"]');

ALTER TABLE pz.decisions DROP CONSTRAINT logged_checks_rule;
SELECT count(*) AS ranked FROM pz_rank('logged_checks', '{}', '["x"]');

-- A reused event id meets the primary key on the same path.
SELECT error_of($$SELECT pz_rank('logged_checks', '{}', '["c"]', '{"event_id": "00000000-0000-0000-0000-000000000084"}')$$) AS first_use,
       error_of($$SELECT pz_rank('logged_checks', '{}', '["c"]', '{"event_id": "00000000-0000-0000-0000-000000000084"}')$$) AS reused_id;

-- Five events: the refused ones left no row in either table.
SELECT count(*) AS decisions,
       (SELECT count(*) FROM pz.event_state s WHERE s.loop_id = d.loop_id) AS states,
       string_agg(chosen_action, ',' ORDER BY d.created_at, chosen_action) AS chosen
  FROM pz.decisions d JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'logged_checks'
 GROUP BY d.loop_id;
DROP FUNCTION public.logged_checks_allowed(text);
