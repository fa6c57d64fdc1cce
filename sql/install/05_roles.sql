-- Least privilege. Three NOLOGIN roles (shared by every database of the
-- cluster, so they are created only when missing and outlive the extension):
--   pz_app      ranks, rewards and activates; cannot read the log or change loops
--   pz_analyst  reads the pz tables
--   pz_admin    manages loops and models, and reads the pz tables
-- Each install file grants its own functions; 90_privileges.sql the tables.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['pz_app', 'pz_analyst', 'pz_admin'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$$;
