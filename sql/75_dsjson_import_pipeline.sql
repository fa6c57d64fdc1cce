-- The DSJSON import appends rewards in bulk when their per-event limit does
-- not apply to the caller (a superuser: the trigger's WHEN is false), and by
-- an INSERT that fires the trigger when it does (pz.max_rewards_per_event
-- for a pz_admin): the same rows either way, and the same limit. It reads
-- the next batch of lines while it stores one: errors still come in line order.
SET TimeZone = 'UTC';
SELECT name FROM pz_create_loop('import_rewards');
CREATE TEMP TABLE reward_lines AS
SELECT n, format('{"EventId":"rw-%s-%s","Timestamp":"2026-03-01T10:00:0%sZ","a":[1,2],"p":[0.75,0.25],'
                 '"o":[{"v":1},{"v":0.5},{"v":-0.25}],"c":{"u":{"n":%s},"_multi":[{"_tag":"x"},{"_tag":"y"}]}}',
              who, n, n, n) AS line, who
  FROM generate_series(1, 3) AS n, unnest(ARRAY['super', 'admin']) AS who;
GRANT SELECT ON reward_lines TO pz_admin;
CREATE ROLE regress_rewards_admin IN ROLE pz_admin;
SET pz.max_rewards_per_event = 2;

-- A superuser has no limit: all three rewards of each line, numbered by the
-- sequence, received when the line's decision was made.
SELECT pz_import_dsjson('import_rewards', string_agg(line, E'\n' ORDER BY n))
  FROM reward_lines WHERE who = 'super';
SELECT e.created_at, r.value, r.slot, r.received_at = e.created_at AS received_then,
       r.reward_id > 0 AS numbered, r.signal
  FROM pz.rewards r JOIN pz.events e USING (event_id) JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'import_rewards' ORDER BY r.reward_id;
SELECT count(DISTINCT reward_id) AS distinct_ids FROM pz.rewards r JOIN pz.decisions d USING (event_id)
  JOIN pz.loops l USING (loop_id) WHERE l.name = 'import_rewards';

-- A pz_admin is limited to 2 rewards an event: 54000, nothing imported.
SET ROLE regress_rewards_admin;
SELECT error_of($$SELECT pz_import_dsjson('import_rewards', string_agg(line, E'\n' ORDER BY n))
                    FROM reward_lines WHERE who = 'admin'$$);
RESET ROLE;
SELECT count(*) AS events FROM pz.decisions d JOIN pz.loops l USING (loop_id) WHERE l.name = 'import_rewards';
-- With room for three, the same lines are imported, rewards and all.
SET pz.max_rewards_per_event = 3;
SET ROLE regress_rewards_admin;
SELECT pz_import_dsjson('import_rewards', string_agg(line, E'\n' ORDER BY n))
  FROM reward_lines WHERE who = 'admin';
RESET ROLE;
SELECT count(*) AS rewards, count(DISTINCT reward_id) AS distinct_ids, sum(value) AS total
  FROM pz.rewards r JOIN pz.decisions d USING (event_id) JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'import_rewards';

RESET pz.max_rewards_per_event;

-- Lines are read in batches of 1000, the next batch while one is stored:
-- errors still come in line order, and stop the whole import.
CREATE TEMP TABLE many_lines AS
SELECT n, format('{"EventId":"pipeline-%s","a":[2,1],"p":[0.6,0.4],"_label_cost":%s,'
                 '"c":{"u":{"n":%s},"_multi":[{"_tag":"x","f":{"k":1}},{"_tag":"y"}]}}',
              n, -(n % 2), n % 7) AS line
  FROM generate_series(1, 2500) AS n;
CREATE FUNCTION many_text(broken int[], changed int[] DEFAULT '{}', infinite int[] DEFAULT '{}') RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(CASE WHEN n = ANY (broken) THEN replace(line, '"p":[0.6,0.4]', '"p":[0.6,1.4]')
                         WHEN n = ANY (infinite) THEN replace(line, '"u":{"n":', '"u":{"big":1e999,"n":')
                         WHEN n = ANY (changed) THEN replace(line, '"_label_cost":', '"_label_cost":-0.5,"x":')
                         ELSE line END, E'\n' ORDER BY n)
    FROM many_lines
$$;
-- A bad line in the third batch: nothing of the first two is kept.
SELECT error_of($$SELECT pz_import_dsjson('import_rewards', many_text('{2300}'))$$);
SELECT count(*) AS events FROM pz.decisions d JOIN pz.loops l USING (loop_id) WHERE l.name = 'import_rewards';
-- Lines 1..600 and 1500 logged; then line 500 again with other content (a
-- 23505 of the first batch, found while storing it) before a bad line 1500
-- (of the second batch, read meanwhile): the first line's error is raised.
SELECT (pz_import_dsjson('import_rewards', string_agg(line, E'\n' ORDER BY n)))->'imported' AS imported
  FROM many_lines WHERE n <= 600 OR n = 1500;
SELECT error_of($$SELECT pz_import_dsjson('import_rewards', many_text('{1500}', '{500}'))$$);
SELECT error_of($$SELECT pz_import_dsjson('import_rewards', many_text('{1500}'))$$);
-- A number out of range on line 700 (found learning the first batch, while
-- the second is stored) comes before line 1500's other content (found
-- storing the second batch).
SELECT error_of($$SELECT pz_import_dsjson('import_rewards', many_text('{}', '{1500}', '{700}'))$$);
SELECT error_of($$SELECT pz_import_dsjson('import_rewards', many_text('{}', '{1500}'))$$);
-- All of it: the 601 logged lines skipped as identical, the others imported.
SELECT pz_import_dsjson('import_rewards', many_text('{}'));
SELECT count(*) AS events, count(*) FILTER (WHERE s.reward = 1) AS clicked
  FROM pz.decisions d JOIN pz.event_state s USING (event_id) JOIN pz.loops l ON l.loop_id = d.loop_id
 WHERE l.name = 'import_rewards' AND s.outcome IS NOT NULL;

SELECT pz_drop_loop('import_rewards');
DROP FUNCTION many_text(int[], int[], int[]);
DROP TABLE reward_lines, many_lines;
DROP ROLE regress_rewards_admin;
