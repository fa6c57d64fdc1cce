-- The DSJSON import appends rewards in bulk when their per-event limit does
-- not apply to the caller (a superuser: the trigger's WHEN is false), and by
-- an INSERT that fires the trigger when it does (pz.max_rewards_per_event
-- for a pz_admin): the same rows either way, and the same limit.
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
SELECT pz_drop_loop('import_rewards');
DROP TABLE reward_lines;
DROP ROLE regress_rewards_admin;
