-- The DSJSON import appends decisions and their state in bulk (as COPY
-- does) and looks up which ids are logged already in pz.decisions' primary
-- key: lines partly logged, in one call and across the calls of one
-- transaction (as pz-dsjson sends a file), give the rows the INSERT gave.
SET TimeZone = 'UTC';
\getenv abs_srcdir PG_ABS_SRCDIR
\set sample_file :abs_srcdir '/tests/data/dsjson/sample.dsjson'
\set sample `cat :sample_file`
SELECT name FROM pz_create_loop('bulk_mix', '{"default_reward": 0.1}');
-- Six lines of the sample with their own ids (test 35 imports the sample's).
CREATE TEMP TABLE bulk_lines AS
SELECT n, replace(split_part(:'sample', E'\n', n), 'evt-', 'bulk-') AS line
  FROM unnest(ARRAY[2, 3, 5, 6, 7, 8]) AS n;

-- Three lines, then all six: three skipped as identical, three imported.
SELECT pz_import_dsjson('bulk_mix', string_agg(line, E'\n' ORDER BY n)) FROM bulk_lines WHERE n <= 5;
SELECT pz_import_dsjson('bulk_mix', string_agg(line, E'\n' ORDER BY n)) FROM bulk_lines;
-- Every decision has its state, with the columns the INSERT left out NULL.
SELECT d.event_id, d.chosen_action, d.model_version, d.baseline, d.ranking_ids, d.subject_hash, d.explored,
       d.slot_probabilities, s.created_at = d.created_at AS same_time, s.active,
       s.activated_at IS NOT DISTINCT FROM (CASE WHEN s.active THEN s.created_at END) AS activated_at_ok,
       s.joined_at IS NOT NULL AS joined, s.reward, s.outcome, s.slot_rewards
  FROM pz.decisions d JOIN pz.loops l USING (loop_id)
  FULL JOIN pz.event_state s USING (event_id)
 WHERE l.name = 'bulk_mix' OR d.loop_id IS NULL
 ORDER BY d.created_at, d.event_id;
SELECT event_id, ranking, probabilities, reward, outcome
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'bulk_mix' ORDER BY e.created_at, e.event_id;

-- Calls of one transaction see the lines the earlier ones appended.
SELECT name FROM pz_create_loop('bulk_again');
BEGIN;
SELECT pz_import_dsjson('bulk_again', string_agg(replace(line, 'bulk-', 'again-'), E'\n' ORDER BY n)) FROM bulk_lines;
SELECT pz_import_dsjson('bulk_again', string_agg(replace(line, 'bulk-', 'again-'), E'\n' ORDER BY n)) FROM bulk_lines;
-- One changed line among identical ones: 23505, and the transaction keeps nothing.
SELECT pz_import_dsjson('bulk_again', string_agg(replace(replace(line, 'bulk-', 'again-'), '"_label_cost":-0.2', '"_label_cost":-0.3'),
                                                 E'\n' ORDER BY n)) FROM bulk_lines;
ROLLBACK;
SELECT count(*) AS decisions FROM pz.decisions d JOIN pz.loops l USING (loop_id) WHERE l.name = 'bulk_again';
SELECT count(*) AS states FROM pz.event_state s JOIN pz.loops l USING (loop_id) WHERE l.name = 'bulk_again';

-- More lines than a batch of the import (1,000) and than the bulk insert
-- holds (1,000 rows): 2,500 in one call, then 3,000 of which 500 are new.
SELECT name FROM pz_create_loop('bulk_many');
SELECT pz_import_dsjson('bulk_many', string_agg(replace(line, 'bulk-7', 'many-' || i), E'\n' ORDER BY i))
  FROM bulk_lines, generate_series(1, 2500) AS i WHERE n = 8;
SELECT pz_import_dsjson('bulk_many', string_agg(replace(line, 'bulk-7', 'many-' || i), E'\n' ORDER BY i))
  FROM bulk_lines, generate_series(1, 3000) AS i WHERE n = 8;
SELECT count(*) AS decisions, count(s.event_id) AS with_state, count(DISTINCT d.candidates) AS candidates,
       count(*) FILTER (WHERE s.reward = 0.2 AND s.outcome = 'defaulted') AS defaulted_at_02
  FROM pz.decisions d JOIN pz.loops l USING (loop_id) LEFT JOIN pz.event_state s USING (event_id)
 WHERE l.name = 'bulk_many';
