-- ANALYZE gathers no statistics for the log's wide columns, whose sorting
-- took most of its time; the other columns keep theirs.
SELECT attname, attstattarget
  FROM pg_attribute
 WHERE attrelid = 'pz.decisions'::regclass AND attnum > 0 AND NOT attisdropped AND attstattarget <> -1
 ORDER BY attname;
SELECT name FROM pz_create_loop('statistics', '{}');
SELECT count(*) FROM pz_rank('statistics', '{"u": 1}', '["a", "b"]');
ANALYZE pz.decisions;
SELECT array_agg(attname::text ORDER BY attname) AS analyzed
  FROM pg_stats WHERE schemaname = 'pz' AND tablename = 'decisions';
