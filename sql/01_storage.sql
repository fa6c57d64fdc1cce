-- The storage schema as analysts see it.
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'pz'
 ORDER BY table_name, ordinal_position;

-- Every table and every column is documented.
SELECT c.relname AS undocumented_table
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'pz' AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT c.relname, a.attname AS undocumented_column
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = 'pz' AND c.relkind = 'r' AND col_description(c.oid, a.attnum) IS NULL;

-- The tables that hold user data are dumped by pg_dump.
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'pz' ORDER BY 1;

-- The joiner's index: pending events by loop and time.
SELECT indexdef FROM pg_indexes WHERE schemaname = 'pz' AND indexname = 'event_state_pending_idx';

-- The SQL API and its privileges.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS arguments, p.prosecdef AS security_definer,
       array_to_string(p.proconfig, ',') AS config
  FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'pz\_%'
 ORDER BY 1, 2;
SELECT r.rolname, p.proname
  FROM pg_proc p, pg_roles r
 WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'pz\_%'
   AND r.rolname IN ('pz_app', 'pz_analyst', 'pz_admin')
   AND has_function_privilege(r.oid, p.oid, 'EXECUTE')
 ORDER BY 1, 2;
SELECT has_table_privilege('pz_app', 'pz.events', 'SELECT') AS app_reads_events,
       has_table_privilege('pz_analyst', 'pz.events', 'SELECT') AS analyst_reads_events,
       has_table_privilege('pz_analyst', 'pz.events', 'INSERT') AS analyst_writes_events;
