-- Runs first on a fresh installation, before the frozen install script of the
-- last release creates the roles pz_app, pz_analyst and pz_admin where they
-- are missing and grants them pz's privileges. A role of that name that pz
-- did not create (the update marks pz's own with a comment) may belong to
-- someone else: refuse it unless the installer opts in.
DO $$
DECLARE
    foreign_roles text;
BEGIN
    SELECT string_agg(r.rolname, ', ' ORDER BY r.rolname) INTO foreign_roles
      FROM pg_catalog.pg_roles AS r
     WHERE r.rolname IN ('pz_app', 'pz_analyst', 'pz_admin')
       AND coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), '') NOT LIKE 'pz extension role:%';
    IF foreign_roles IS NOT NULL
       AND coalesce(pg_catalog.current_setting('pz.adopt_existing_roles', true), 'off') NOT IN ('on', 'true', 'yes', '1') THEN
        RAISE EXCEPTION 'roles that pz did not create already exist: %', foreign_roles
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'pz grants its privileges to the roles pz_app, pz_analyst and pz_admin.',
                  HINT = 'To let pz use them, and grant them its privileges, run SET pz.adopt_existing_roles = on before CREATE EXTENSION pz; otherwise rename or drop them.';
    END IF;
END
$$;
