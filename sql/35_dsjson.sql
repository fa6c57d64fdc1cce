-- Decision Service JSON in and out: every field of a hand-written sample
-- (tests/data/dsjson/sample.dsjson), its malformed lines, duplicates,
-- atomicity, roles, and a round trip through another loop.
SET TimeZone = 'UTC';
\getenv abs_srcdir PG_ABS_SRCDIR
\set sample_file :abs_srcdir '/tests/data/dsjson/sample.dsjson'
\set malformed_file :abs_srcdir '/tests/data/dsjson/malformed.dsjson'
\set sample `cat :sample_file`
\set malformed `cat :malformed_file`
SELECT name FROM pz_create_loop('dsjson_shop', '{"default_reward": 0.1}');
-- Rows of this file's loops, to show that a rejected call wrote nothing.
CREATE TEMP VIEW dsjson_rows AS
SELECT format('events=%s rewards=%s models=%s',
              (SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name LIKE 'dsjson%'),
              (SELECT count(*) FROM pz.rewards r JOIN pz.events e USING (event_id) JOIN pz.loops l USING (loop_id)
                WHERE l.name LIKE 'dsjson%'),
              (SELECT count(*) FROM pz.models m JOIN pz.loops l USING (loop_id) WHERE l.name LIKE 'dsjson%')) AS written;

-- The sample: 11 lines, one blank, the last one a copy of the first.
SELECT pz_import_dsjson('dsjson_shop', :'sample');
SELECT to_char(e.created_at, 'YYYY-MM-DD HH24:MI:SS.US') AS created_at, event_id, ranking, probabilities,
       chosen_action, active, activated_at = e.created_at AS activated_at_creation, baseline, reward, outcome,
       e.model_version, joined_at IS NOT NULL AS joined, scores
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_shop' ORDER BY e.created_at;
-- "_" members are not features; an array of objects is one namespace; no _tag: the 1-based index.
SELECT chosen_action, context, actions
  FROM pz.events e JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'dsjson_shop' AND chosen_action IN ('teapot', '2') ORDER BY e.created_at;
-- Rewards: each "o" value, a label without "o", each slot's; received when decided.
SELECT e.chosen_action, r.value, r.slot, r.received_at = e.created_at AS at_decision
  FROM pz.rewards r JOIN pz.events e USING (event_id) JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'dsjson_shop' ORDER BY e.created_at, r.reward_id;
-- The warm start: the loop's model learned the 7 learnable lines; ranking uses it.
SELECT l.model_version, m.examples, m.metrics
  FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version
 WHERE l.name = 'dsjson_shop';
SELECT action_id, score <> 0 AS learned
  FROM pz_rank('dsjson_shop', '{"user": {"segment": "budget"}}', '["kettle", "mug"]', '{"learn": false}')
 ORDER BY action_id;
SELECT loop, events, joined, skipped, rewards, late_rewards FROM pz.loop_status WHERE loop = 'dsjson_shop';

-- Importing again skips every line: each is identical to the logged event.
SELECT pz_import_dsjson('dsjson_shop', :'sample');
SELECT written FROM dsjson_rows;
-- The same EventId with other content: 23505, nothing written.
SELECT error_of(format('SELECT pz_import_dsjson(%L, %L)', 'dsjson_shop',
                       replace(split_part(:'sample', E'\n', 2), '"_label_cost":-0.5', '"_label_cost":-0.25')));
SELECT error_of(format('SELECT pz_import_dsjson(%L, %L)', 'dsjson_shop',
                       E'\n' || replace(split_part(:'sample', E'\n', 2), 'evt-2', 'evt-new') || E'\n' ||
                       replace(split_part(:'sample', E'\n', 2), '"_label_cost":-0.5', '"_label_cost":-0.25')));
SELECT written FROM dsjson_rows;

-- Every malformed line: 22P02 with its line number and field; nothing imported.
SELECT name FROM pz_create_loop('dsjson_errors');
CREATE TEMP TABLE malformed AS
SELECT k, line FROM regexp_split_to_table(:'malformed', E'\n') WITH ORDINALITY AS t(line, k);
SELECT k, error_of(format('SELECT pz_import_dsjson(%L, %L)', 'dsjson_errors',
                          split_part(:'sample', E'\n', 2) || E'\n' || line)) AS error
  FROM malformed ORDER BY k;
-- A bad line after a thousand good ones: the batches already inserted are undone.
SELECT error_of(format('SELECT pz_import_dsjson(%L, %L)', 'dsjson_errors',
  (SELECT string_agg(replace(split_part(:'sample', E'\n', 2), 'evt-2', 'ok-' || i), E'\n') FROM generate_series(1, 1500) i)
  || E'\n' || (SELECT line FROM malformed WHERE k = 8)));
SELECT count(*) AS events, (SELECT model_version FROM pz.loops WHERE name = 'dsjson_errors') AS model_version
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_errors';
SELECT written FROM dsjson_rows;
SELECT error_of($$SELECT pz_import_dsjson(NULL, '')$$), error_of($$SELECT pz_import_dsjson('dsjson_errors', NULL)$$),
       error_of($$SELECT pz_import_dsjson('no_such_loop', '')$$);
SELECT pz_import_dsjson('dsjson_errors', E'\n  \n');

-- Export: one line per joined event, in event order, cost = -reward, 1-based indices.
SELECT l::jsonb ->> 'EventId' AS event_id, l::jsonb -> 'a' AS a, l::jsonb -> 'p' AS p,
       l::jsonb -> '_label_Action' AS action, l::jsonb -> '_labelIndex' AS index,
       l::jsonb -> '_label_probability' AS probability, l::jsonb -> '_label_cost' AS cost,
       l::jsonb -> '_skipLearn' AS skip, jsonb_path_query_array(l::jsonb, '$.o[*].v') AS o,
       l::jsonb -> '_ba' AS ba, l::jsonb ->> 'Timestamp' AS timestamp
  FROM pz_export_dsjson('dsjson_shop') AS l;
-- The sample's conditional-bandit line (two slots) goes out as one, without
-- a, p and the labels: per slot its action (0-based), probability, cost and rewards.
SELECT o ->> '_id' AS slot, o -> '_a' AS a, o -> '_p' AS p, o -> '_label_cost' AS cost,
       jsonb_path_query_array(o, '$._o[*].v') AS o
  FROM pz_export_dsjson('dsjson_shop') AS l, jsonb_array_elements(l::jsonb -> '_outcomes') AS o
 WHERE l::jsonb ->> 'EventId' = 'cc9f9bbc-bd39-81ce-af83-fd508c44eb51';
SELECT pz_export_dsjson('dsjson_shop', since => '2026-03-01 08:00:06', until => '2026-03-01 08:00:07');
SELECT count(*) FROM pz_export_dsjson('dsjson_shop', until => '2026-03-01 08:00:00');
SELECT error_of($$SELECT pz_export_dsjson('dsjson_shop', '2026-03-02', '2026-03-01')$$),
       error_of($$SELECT pz_export_dsjson('no_such_loop')$$), error_of($$SELECT pz_export_dsjson(NULL)$$);

-- Roles: pz_analyst exports, only pz_admin imports.
CREATE ROLE regress_dsjson_analyst IN ROLE pz_analyst;
CREATE ROLE regress_dsjson_app IN ROLE pz_app;
CREATE ROLE regress_dsjson_admin IN ROLE pz_admin;
SET ROLE regress_dsjson_analyst;
SELECT count(*) FROM pz_export_dsjson('dsjson_shop');
SELECT error_of($$SELECT pz_import_dsjson('dsjson_errors', '')$$);
SET ROLE regress_dsjson_app;
SELECT error_of($$SELECT pz_export_dsjson('dsjson_shop')$$);
SET ROLE regress_dsjson_admin;
SELECT pz_import_dsjson('dsjson_errors', '');
RESET ROLE;
DROP ROLE regress_dsjson_analyst, regress_dsjson_app, regress_dsjson_admin;

-- Round trip: a log written by pz_rank and pz_reward, learned by pz_train,
-- exported, dropped, imported into a new loop: the same events, rewards,
-- probabilities, model and evaluation figures.
SELECT name FROM pz_create_loop('dsjson_live', '{"reward_wait": "0", "exploration": 0.3}');
CREATE TEMP TABLE ranked AS
SELECT i, r.event_id, r.action_id
  FROM generate_series(1, 200) i,
       LATERAL pz_rank('dsjson_live',
                       jsonb_build_object('user', jsonb_build_object('segment', CASE WHEN i % 2 = 0 THEN 'budget' ELSE 'pro' END),
                                          'hour', i % 24),
                       '[{"id": "a", "features": {"cat": {"c": "toys"}, "price": 9.5}},
                         {"id": "b", "features": {"cat": {"c": "tools"}, "price": 20}}, {"id": "c"}]',
                       jsonb_build_object('deferred', i % 10 = 0)) r
 WHERE r.rank = 1;
-- Rewarded (some twice), defaulted (i % 7), deferred and activated (i % 20), deferred and skipped.
SELECT count(pz_reward(event_id, CASE WHEN action_id = 'b' AND i % 3 <> 0 THEN 1 ELSE 0 END))
  FROM ranked WHERE i % 7 <> 0 AND i % 10 <> 0;
SELECT count(pz_reward(event_id, 0.5, 'click')) FROM ranked WHERE i % 3 = 0 AND i % 7 <> 0 AND i % 10 <> 0;
SELECT count(pz_activate(event_id)) FROM ranked WHERE i % 20 = 0;
SELECT pz_train('dsjson_live') - 'loop';
CREATE TEMP TABLE live_events AS
SELECT e.*, (SELECT array_agg(r.value ORDER BY r.reward_id) FROM pz.rewards r WHERE r.event_id = e.event_id) AS reward_values
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_live';
CREATE TEMP TABLE live_figures AS
SELECT * FROM pz_evaluate('dsjson_live', candidates => '{"linear": {"interactions": []}}');
CREATE TEMP TABLE live_model AS
SELECT m.weights FROM pz.models m JOIN pz.loops l ON l.loop_id = m.loop_id AND m.version = l.model_version
 WHERE l.name = 'dsjson_live';
CREATE TEMP TABLE live_lines AS SELECT * FROM pz_export_dsjson('dsjson_live') WITH ORDINALITY AS t(line, n);
SELECT pz_drop_loop('dsjson_live');
SELECT name FROM pz_create_loop('dsjson_copy', '{"reward_wait": "0", "exploration": 0.3}');
SELECT pz_import_dsjson('dsjson_copy', (SELECT string_agg(line, E'\n' ORDER BY n) FROM live_lines));
SELECT count(*) AS events,
       count(*) FILTER (WHERE a.created_at = b.created_at AND a.context = b.context AND a.actions = b.actions
                          AND a.ranking = b.ranking AND a.probabilities = b.probabilities
                          AND a.chosen_action = b.chosen_action AND a.active = b.active
                          AND a.reward IS NOT DISTINCT FROM b.reward AND a.outcome = b.outcome
                          AND a.reward_values IS NOT DISTINCT FROM
                              (SELECT array_agg(r.value ORDER BY r.reward_id) FROM pz.rewards r WHERE r.event_id = b.event_id)) AS same,
       count(*) FILTER (WHERE a.outcome = 'defaulted') AS defaulted, count(*) FILTER (WHERE a.outcome = 'skipped') AS skipped
  FROM live_events a JOIN pz.events b USING (event_id);
SELECT (SELECT weights FROM live_model) = m.weights AS same_model
  FROM pz.models m JOIN pz.loops l ON l.loop_id = m.loop_id AND m.version = l.model_version WHERE l.name = 'dsjson_copy';
(SELECT * FROM live_figures EXCEPT ALL SELECT * FROM pz_evaluate('dsjson_copy', candidates => '{"linear": {"interactions": []}}'))
UNION ALL
(SELECT * FROM pz_evaluate('dsjson_copy', candidates => '{"linear": {"interactions": []}}') EXCEPT ALL SELECT * FROM live_figures);
SELECT count(*) AS figures FROM live_figures;
SELECT pz_drop_loop('dsjson_copy');
SELECT pz_drop_loop('dsjson_errors');
SELECT pz_drop_loop('dsjson_shop');
RESET TimeZone;
