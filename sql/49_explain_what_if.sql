-- pz_explain(loop, context, actions, top): what if the loop's current model
-- scored a context and actions that were never logged. Each action's rows
-- add up to the score pz_rank gives the same input, highest score first.
SELECT name FROM pz_create_loop('what_if', '{"reward_wait": "0 seconds"}');
CREATE FUNCTION what_if_rounds() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen record;
    segment text;
BEGIN
    FOR i IN 1..200 LOOP
        segment := CASE WHEN i % 2 = 0 THEN 'budget' ELSE 'premium' END;
        SELECT r.event_id, r.action_id INTO chosen
          FROM pz_rank('what_if', jsonb_build_object('user', jsonb_build_object('segment', segment)),
                       '[{"id": "train", "features": {"item": {"category": "toys", "price": 12.5}}},
                         {"id": "novel", "features": {"item": {"category": "books", "price": 8}}}]') r
         WHERE r.rank = 1;
        PERFORM pz_reward(chosen.event_id,
                          CASE WHEN (segment = 'budget') = (chosen.action_id = 'train') THEN 1 ELSE 0 END);
    END LOOP;
END
$$;
-- Untrained: every action's one row is its bias, 0.
SELECT * FROM pz_explain('what_if', '{"user": {"segment": "budget"}}', '["x", "y"]');
SELECT what_if_rounds();
SELECT (pz_train('what_if') ->> 'model_version')::int > 0 AS trained;

-- A context and actions never logged (a new item, a new feature value): the
-- contributions add up to pz_rank's score, for every action and any top.
SELECT written_rows() AS before \gset
CREATE TEMP TABLE what_if_inputs AS
SELECT c.context, a.actions FROM
  (VALUES ('{"user": {"segment": "budget", "tenure_days": 3}, "device": "tablet"}'::jsonb),
          ('{"user": {"segment": "premium"}}'), ('{}')) AS c(context),
  (VALUES ('[{"id": "train", "features": {"item": {"category": "toys", "price": 12.5}}},
             {"id": "kite", "features": {"item": {"category": "toys", "price": 30}, "tags": ["new"]}},
             {"id": "novel", "features": {"item": {"category": "books", "price": 8}}}, "plain"]'::jsonb)) AS a(actions);
WITH ranked AS (
    SELECT i.context, i.actions, r.action_id, r.score
      FROM what_if_inputs i, pz_rank('what_if', i.context, i.actions, '{"learn": false}') r
), explained AS (
    SELECT r.context, r.action_id, r.score, t.top,
           (SELECT sum(x.contribution) FROM pz_explain('what_if', r.context, r.actions, t.top) x
             WHERE x.action_id = r.action_id) AS total
      FROM ranked r, (VALUES (0), (2), (1000)) AS t(top)
)
SELECT count(*) AS checked, bool_and(abs(total - score) < 1e-9) AS sums_to_rank_score,
       count(*) FILTER (WHERE score <> 0) > 0 AS trained_scores
  FROM explained;
SELECT written_rows() = :'before' AS nothing_logged;

-- Actions come highest score first (plain is given first, train scores
-- higher for budget users), each with its bias first; readable names.
CREATE TEMP TABLE what_if_rows AS
SELECT x.* FROM pz_explain('what_if', '{"user": {"segment": "budget"}}',
                           '["plain", {"id": "train", "features": {"item": {"category": "toys"}}}]', 1000)
                WITH ORDINALITY AS x(action_id, namespace, feature, contribution, n);
WITH actions AS (
    SELECT w.action_id, sum(w.contribution) AS score, min(w.n) AS first FROM what_if_rows w GROUP BY w.action_id
)
SELECT array_agg(a.action_id ORDER BY a.first) AS row_order, array_agg(a.action_id ORDER BY a.score DESC) AS by_score,
       bool_and((SELECT w.namespace FROM what_if_rows w WHERE w.n = a.first) = 'constant') AS bias_first,
       (SELECT count(*) FROM what_if_rows w WHERE w.feature = 'user.segment=budget × item.category=toys') AS named_interaction
  FROM actions a;

-- Untyped literals resolve by the number of arguments: 3 or 4 the what-if
-- form, 1 or 2 the logged event's.
SELECT count(DISTINCT action_id) AS what_if_actions FROM pz_explain('what_if', '{}', '["a", "b"]');
SELECT count(DISTINCT action_id) AS what_if_top FROM pz_explain('what_if', '{}', '["a", "b"]', 0);
SELECT count(*) AS named FROM pz_explain(loop => 'what_if', context => '{}', actions => '["a"]', top => 1);
SELECT error_of($$SELECT * FROM pz_explain('49000000-0000-4000-8000-000000000001')$$) AS event_form,
       error_of($$SELECT * FROM pz_explain('49000000-0000-4000-8000-000000000001', 3)$$) AS event_form_top;

-- As pz_rank: NULL actions (no viable item) explain nothing; bad input is refused.
SELECT count(*) AS null_actions FROM pz_explain('what_if', '{}', NULL);
SELECT q AS call, error_of('SELECT count(*) FROM pz_explain(' || q || ')') AS error FROM unnest(ARRAY[
  $$'no_such_loop', '{}', '["a"]'$$,
  $$NULL, '{}', '["a"]'$$,
  $$'what_if', NULL, '["a"]'$$,
  $$'what_if', '[]', '["a"]'$$,
  $$'what_if', '{}', '[]'$$,
  $$'what_if', '{}', '{"id": "a"}'$$,
  $$'what_if', '{}', '["a", "a"]'$$,
  $$'what_if', '{}', '["a"]', -1$$,
  $$'what_if', '{}', '["a"]', 1001$$,
  $$'what_if', '{}', '["a"]', NULL$$
]) AS q;

-- Analysts and admins ask; the application role does not.
CREATE ROLE regress_what_if_app IN ROLE pz_app;
CREATE ROLE regress_what_if_analyst IN ROLE pz_analyst;
SET ROLE regress_what_if_app;
SELECT error_of($$SELECT count(*) FROM pz_explain('what_if', '{}', '["a"]')$$) AS app_explains;
RESET ROLE;
SET ROLE regress_what_if_analyst;
SELECT count(*) AS analyst_explains FROM pz_explain('what_if', '{}', '["a"]');
RESET ROLE;
DROP ROLE regress_what_if_app, regress_what_if_analyst;
DROP FUNCTION what_if_rounds();
SELECT pz_drop_loop('what_if');
