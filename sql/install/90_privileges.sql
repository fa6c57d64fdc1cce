-- Privileges on the storage: the API functions are SECURITY DEFINER with a
-- pinned search_path, so the roles need no privileges on the tables they
-- write through them.
REVOKE ALL ON SCHEMA pz FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pz FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA pz FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pz FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.pz_create_loop(text, jsonb), @extschema@.pz_configure_loop(text, jsonb),
    @extschema@.pz_drop_loop(text), @extschema@.pz_rank(text, jsonb, jsonb, jsonb),
    @extschema@.pz_reward(uuid, float8, text), @extschema@.pz_activate(uuid),
    @extschema@.pz_train(text), @extschema@.pz_rollback_model(text, bigint) FROM PUBLIC;

GRANT USAGE ON SCHEMA pz TO pz_analyst, pz_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA pz TO pz_analyst, pz_admin;
GRANT EXECUTE ON FUNCTION @extschema@.pz_rank(text, jsonb, jsonb, jsonb),
    @extschema@.pz_reward(uuid, float8, text), @extschema@.pz_activate(uuid) TO pz_app, pz_admin;
GRANT EXECUTE ON FUNCTION @extschema@.pz_create_loop(text, jsonb), @extschema@.pz_configure_loop(text, jsonb),
    @extschema@.pz_drop_loop(text), @extschema@.pz_train(text), @extschema@.pz_rollback_model(text, bigint)
    TO pz_admin;
-- Anyone may see what their own backend caches.
GRANT USAGE ON SCHEMA pz TO pz_app;
GRANT EXECUTE ON FUNCTION pz.cached_models() TO pz_app, pz_analyst, pz_admin;
GRANT SELECT ON pz.model_cache TO pz_app;
