-- pz_explain: the terms of each ranked action's score under the model
-- version that decided the event, with readable names; they add up to the
-- logged score.
SELECT name FROM pz_create_loop('explained', '{"reward_wait": "0 seconds", "models_kept": 1}');

CREATE FUNCTION explained_rank(i integer) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    id uuid := md5('explained' || i)::uuid;
    chosen text;
BEGIN
    SELECT action_id INTO chosen
      FROM pz_rank('explained',
                   jsonb_build_object('user', jsonb_build_object('segment', CASE WHEN i % 2 = 0 THEN 'budget' ELSE 'premium' END,
                                                                 'tenure_days', i % 7),
                                      'device', 'mobile'),
                   '[{"id": "train", "features": {"item": {"category": "toys", "price": 12.5}}},
                     {"id": "novel", "features": {"item": {"category": "books", "price": 8}}},
                     {"id": "drill", "features": {"item": {"category": "tools", "price": 40}, "tags": ["new", "sale"]}}]',
                   jsonb_build_object('event_id', id))
     WHERE rank = 1;
    -- Budget users like toys, premium users books.
    PERFORM pz_reward(id, CASE WHEN (i % 2 = 0 AND chosen = 'train') OR (i % 2 = 1 AND chosen = 'novel') THEN 1 ELSE 0 END);
    RETURN id;
END
$$;

-- Decided untrained: every score is 0, and so is each action's one row, its bias.
SELECT explained_rank(0) AS untrained \gset
SELECT action_id, namespace, feature, contribution FROM pz_explain(:'untrained') ORDER BY action_id;

SELECT count(explained_rank(i)) FROM generate_series(1, 300) i;
SELECT pz_train('explained') ->> 'model_version' AS version;
SELECT explained_rank(i) FROM generate_series(1001, 1004) i;

-- For every action of the events decided by the trained model, the rows add
-- up to the logged score (within its float4 precision), whatever top cuts.
WITH events AS (
    SELECT e.event_id, e.ranking, e.scores FROM pz.events e
     WHERE e.event_id IN (SELECT md5('explained' || i)::uuid FROM generate_series(1001, 1004) i)
), logged AS (
    SELECT event_id, a.action_id, a.score FROM events, unnest(ranking, scores) AS a(action_id, score)
), checks AS (
    SELECT l.event_id, l.action_id, l.score, t.top,
           (SELECT sum(x.contribution) FROM pz_explain(l.event_id, t.top) x WHERE x.action_id = l.action_id) AS total
      FROM logged l, (VALUES (0), (3), (10), (1000)) AS t(top)
)
SELECT count(*) AS checked, count(DISTINCT event_id) AS events,
       bool_and(abs(total - score) < 1e-7 * greatest(1, abs(score))) AS sums_to_logged_score,
       bool_and(score <> 0) AS trained_scores
  FROM checks;

-- Rows come per action in rank order: the bias, the top features by absolute
-- contribution, and the rest summed into "other". Names are readable.
SELECT count(*) FILTER (WHERE namespace = 'constant') AS bias_rows,
       count(*) FILTER (WHERE namespace = 'other') AS other_rows,
       count(*) FILTER (WHERE namespace NOT IN ('constant', 'other')) AS feature_rows
  FROM pz_explain(md5('explained' || 1001)::uuid, 3);
SELECT DISTINCT namespace, feature FROM pz_explain(md5('explained' || 1002)::uuid, 1000)
 WHERE feature IN ('user.segment=budget × item.category=toys', 'item.price', 'tags=sale', '_id=drill',
                   'device=mobile × tags=new', 'user.tenure_days × item.price')
 ORDER BY 1, 2;
-- The order of the rows: the ranking of the event.
SELECT array_agg(x.action_id ORDER BY x.n) AS actions,
       (SELECT ranking FROM pz.events WHERE event_id = md5('explained' || 1001)::uuid) AS ranking
  FROM pz_explain(md5('explained' || 1001)::uuid, 0) WITH ORDINALITY AS x(action_id, namespace, feature, contribution, n)
 WHERE x.namespace = 'constant';

-- Events of pz_rank_rows explain alike: each column a namespace.
CREATE TABLE explained_catalog (id text, category text, price float8, tags text[]);
INSERT INTO explained_catalog VALUES ('train', 'toys', 12.5, '{new}'), ('novel', 'books', 8, NULL);
SELECT count(*) AS ranked FROM pz_rank_rows('explained', '{"user": {"segment": "budget"}, "device": "mobile"}',
                                            ARRAY(SELECT c FROM explained_catalog c ORDER BY id),
                                            '{"event_id": "46000000-0000-4000-8000-0000000000e1"}');
-- (The log keeps scores at float4 precision: a relative 1e-7.)
SELECT l.action_id, abs(sum(x.contribution) - l.score) < 1e-7 * greatest(1, abs(l.score)) AS sums_to_logged_score,
       string_agg(x.feature, ', ' ORDER BY x.feature) FILTER (WHERE x.namespace IN ('category', 'price', 'tags')) AS row_features
  FROM pz.events e, unnest(e.ranking, e.scores) AS l(action_id, score),
       pz_explain(e.event_id, 1000) AS x
 WHERE e.event_id = '46000000-0000-4000-8000-0000000000e1' AND x.action_id = l.action_id
 GROUP BY l.action_id, l.score ORDER BY 1;

-- Errors: unknown event (42704), top out of range (22023), the deciding
-- version pruned (55000: models_kept 1, so training again drops version 1).
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT * FROM pz_explain('00000000-0000-4000-8000-00000000abcd')$$,
  $$SELECT * FROM pz_explain(md5('explained' || 1001)::uuid, -1)$$,
  $$SELECT * FROM pz_explain(md5('explained' || 1001)::uuid, 1001)$$,
  $$SELECT * FROM pz_explain(md5('explained' || 1001)::uuid, NULL)$$,
  $$SELECT * FROM pz_explain(NULL)$$
]) AS q;
SELECT count(explained_rank(i)) FROM generate_series(2001, 2020) i;
SELECT pz_train('explained') ->> 'model_version' AS version;
SELECT error_of($$SELECT * FROM pz_explain(md5('explained' || 1001)::uuid)$$);

-- Who may call it: analysts and admins, not applications.
SELECT r AS role, has_function_privilege(r, 'pz_explain(uuid, integer)', 'EXECUTE') AS explains,
       has_function_privilege(r, 'pz.explain_scores(jsonb, bytea, jsonb, jsonb, text[], integer)', 'EXECUTE') AS internal
  FROM unnest(ARRAY['pz_app', 'pz_analyst', 'pz_admin']) AS r;
