-- The rewards-per-event trigger runs its PL/pgSQL function only when a limit
-- applies: for a superuser, who has none, the function did nothing but cost
-- a few microseconds per reward row (a tenth of a DSJSON import's time).
-- Same checks, same errors.
DROP TRIGGER rewards_per_event_limit ON pz.rewards;
CREATE TRIGGER rewards_per_event_limit BEFORE INSERT ON pz.rewards
    FOR EACH ROW WHEN (pz.reward_limit() IS NOT NULL) EXECUTE FUNCTION pz.limit_rewards_per_event();
