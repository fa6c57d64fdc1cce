-- Guards against a setting or a caller taking more than the server can give:
-- the model-memory limit checked when bits is set, a limit on rewards per
-- event (the document-size limit is checked by pz_rank itself), and the roles
-- pz created marked as pz's (see sql/install/00_existing_roles.sql).

-- Raises 54000 when a model of 2^bits weights would exceed pz.max_model_memory.
CREATE FUNCTION pz.check_model_memory(bits integer) RETURNS void
AS 'MODULE_PATHNAME', 'pz_check_model_memory'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION pz.check_model_memory(integer) IS 'Internal: raises 54000 when a model with this many bits would exceed pz.max_model_memory.';

CREATE FUNCTION pz.check_bits_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pz.check_number_setting(key, value, 10, 28, integral => true);
    PERFORM pz.check_model_memory((value #>> '{}')::integer);
END
$$;
UPDATE pz.setting_rules SET value_check = 'pz.check_bits_setting($1, $2)' WHERE key = 'bits';

-- The most rewards one more reward may join for a caller: NULL for
-- superusers (no limit), else pz.max_rewards_per_event.
CREATE FUNCTION pz.reward_limit() RETURNS integer
AS 'MODULE_PATHNAME', 'pz_reward_limit'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pz.reward_limit() IS 'Internal: pz.max_rewards_per_event for the calling role, NULL for superusers.';

-- A trigger, not a check in pz_reward: every way rewards come in (pz_reward
-- in any of its forms, imports) is limited alike.
CREATE FUNCTION pz.limit_rewards_per_event() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    most integer := pz.reward_limit();
BEGIN
    IF most IS NOT NULL
       AND (SELECT count(*) FROM (SELECT FROM pz.rewards AS r WHERE r.event_id = NEW.event_id LIMIT most) AS s) >= most THEN
        RAISE EXCEPTION 'event % already has % rewards', NEW.event_id, most
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'pz.max_rewards_per_event limits the rewards of one event; a superuser can raise it.';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER rewards_per_event_limit BEFORE INSERT ON pz.rewards
    FOR EACH ROW EXECUTE FUNCTION pz.limit_rewards_per_event();
REVOKE ALL ON FUNCTION pz.check_model_memory(integer), pz.check_bits_setting(text, jsonb),
    pz.reward_limit(), pz.limit_rewards_per_event() FROM PUBLIC;

-- pz's roles, marked as pz's: a later CREATE EXTENSION pz (in another
-- database) adopts them without asking. On a fresh installation they were
-- created by it or adopted on purpose; on an update from 0.1.0 they are the
-- roles that release created or reused.
COMMENT ON ROLE pz_app IS 'pz extension role: ranks, rewards and activates; cannot read the log or change loops.';
COMMENT ON ROLE pz_analyst IS 'pz extension role: reads the pz tables.';
COMMENT ON ROLE pz_admin IS 'pz extension role: manages loops and models, and reads the pz tables.';
