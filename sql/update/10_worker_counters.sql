-- A trainer that never stalls, and a status view that does not count the log.
-- - Events that cannot be learned (a chosen action missing from its actions, a
--   probability that is not in (0, 1], a document the featurizer refuses) are
--   quarantined: joined with an outcome of their own, never retried.
-- - pz.loop_counters holds per-loop counts that each training step adds to
--   (in its own transaction, so they are exact across crashes); pz.loop_status
--   reads them plus what the pending index and the newest rewards say.
-- - model_update has a floor of one second.

ALTER TABLE pz.events DROP CONSTRAINT events_outcome_valid,
    ADD CONSTRAINT events_outcome_valid CHECK (outcome IN ('rewarded', 'defaulted', 'skipped', 'quarantined'));
COMMENT ON COLUMN pz.events.outcome IS 'How the event was joined: rewarded, defaulted (no reward came), skipped (deferred and never activated) or quarantined (could not be learned; the server log says why).';

CREATE TABLE pz.loop_counters (
    loop_id                 integer PRIMARY KEY REFERENCES pz.loops ON DELETE CASCADE,
    rewarded                bigint NOT NULL,
    defaulted               bigint NOT NULL,
    skipped                 bigint NOT NULL,
    quarantined             bigint NOT NULL,
    rewards                 bigint NOT NULL,
    late_rewards            bigint NOT NULL,
    rewards_counted_through bigint NOT NULL,
    updated_at              timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pz.loop_counters IS 'Per loop: what the training steps have joined and counted so far (pz.loop_status adds what they have not seen yet). Rebuilt from the log by the first step after a restore.';
COMMENT ON COLUMN pz.loop_counters.loop_id IS 'Loop counted (pz.loops.loop_id).';
COMMENT ON COLUMN pz.loop_counters.rewarded IS 'Events joined with at least one reward and learned.';
COMMENT ON COLUMN pz.loop_counters.defaulted IS 'Events joined without a reward, learned with the loop''s default_reward.';
COMMENT ON COLUMN pz.loop_counters.skipped IS 'Deferred events never activated: joined, not learned.';
COMMENT ON COLUMN pz.loop_counters.quarantined IS 'Events that could not be learned: joined, not learned, never retried.';
COMMENT ON COLUMN pz.loop_counters.rewards IS 'Rewards of the loop''s events with reward_id up to rewards_counted_through.';
COMMENT ON COLUMN pz.loop_counters.late_rewards IS 'Of those, the ones not learned: for skipped or quarantined events, or received after their event was joined.';
COMMENT ON COLUMN pz.loop_counters.rewards_counted_through IS 'Highest pz.rewards.reward_id counted in rewards (rewards newer than a minute are left to the next step).';
COMMENT ON COLUMN pz.loop_counters.updated_at IS 'When a training step last added to the counts.';
-- Not dumped: derived from the log, and rebuilt from it after a restore.
REVOKE ALL ON pz.loop_counters FROM PUBLIC;
GRANT SELECT ON pz.loop_counters TO pz_analyst, pz_admin;

-- Rewards of a loop's events with reward_id in (after, through] (through NULL:
-- no bound), and how many of them are late. Planned with the actual bounds
-- (EXECUTE): the range is usually a few rows at the right edge of the
-- primary key, which a generic plan would not know.
CREATE FUNCTION pz.count_rewards(loop_id integer, after bigint, through bigint,
                                 OUT rewards bigint, OUT late_rewards bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE 'SELECT count(*), count(*) FILTER (WHERE e.outcome IN (''skipped'', ''quarantined'')
                                                   OR r.received_at > e.joined_at)
               FROM pz.rewards AS r JOIN pz.events AS e ON e.event_id = r.event_id
              WHERE r.reward_id > $2 AND ($3 IS NULL OR r.reward_id <= $3) AND e.loop_id = $1'
       INTO rewards, late_rewards USING loop_id, after, through;
END
$$;
COMMENT ON FUNCTION pz.count_rewards(integer, bigint, bigint) IS 'Internal: rewards of a loop''s events in a reward_id range, and how many of them are late.';

-- Called by each training step, in its transaction, after it wrote its
-- outcomes: adds the step's counts and the rewards that arrived since the
-- previous step. late_at_join: rewards already counted (reward_id up to the
-- previous rewards_counted_through) of the events the step skipped or
-- quarantined. The first step of a loop (or the first after a restore)
-- counts the loop's log instead.
CREATE FUNCTION pz.record_training_step(loop_id integer, rewarded bigint, defaulted bigint, skipped bigint,
                                        quarantined bigint, late_at_join bigint) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    counters pz.loop_counters;
    through bigint;
    counted record;
BEGIN
    SELECT * INTO counters FROM pz.loop_counters AS c WHERE c.loop_id = record_training_step.loop_id;
    -- A reward transaction that commits after a newer reward was counted would
    -- be missed: leave the last minute to the next step (the view counts it).
    SELECT r.reward_id INTO through FROM pz.rewards AS r
     WHERE r.received_at < now() - interval '1 minute' ORDER BY r.reward_id DESC LIMIT 1;
    through := greatest(coalesce(through, 0), coalesce(counters.rewards_counted_through, 0));
    IF counters.loop_id IS NULL THEN
        SELECT * INTO counted FROM pz.count_rewards(loop_id, 0, through);
        INSERT INTO pz.loop_counters AS c
        SELECT record_training_step.loop_id,
               count(*) FILTER (WHERE e.outcome = 'rewarded'), count(*) FILTER (WHERE e.outcome = 'defaulted'),
               count(*) FILTER (WHERE e.outcome = 'skipped'), count(*) FILTER (WHERE e.outcome = 'quarantined'),
               counted.rewards, counted.late_rewards, through, now()
          FROM pz.events AS e WHERE e.loop_id = record_training_step.loop_id AND e.joined_at IS NOT NULL;
        RETURN;
    END IF;
    SELECT * INTO counted FROM pz.count_rewards(loop_id, counters.rewards_counted_through, through);
    UPDATE pz.loop_counters AS c
       SET rewarded = c.rewarded + record_training_step.rewarded,
           defaulted = c.defaulted + record_training_step.defaulted,
           skipped = c.skipped + record_training_step.skipped,
           quarantined = c.quarantined + record_training_step.quarantined,
           rewards = c.rewards + counted.rewards,
           late_rewards = c.late_rewards + counted.late_rewards + late_at_join,
           rewards_counted_through = through,
           updated_at = now()
     WHERE c.loop_id = record_training_step.loop_id;
END
$$;
COMMENT ON FUNCTION pz.record_training_step(integer, bigint, bigint, bigint, bigint, bigint) IS 'Internal: adds a training step''s counts to pz.loop_counters.';
REVOKE ALL ON FUNCTION pz.count_rewards(integer, bigint, bigint),
    pz.record_training_step(integer, bigint, bigint, bigint, bigint, bigint) FROM PUBLIC;
-- pz.loop_status calls it as the role reading the view.
GRANT EXECUTE ON FUNCTION pz.count_rewards(integer, bigint, bigint) TO pz_analyst, pz_admin;

-- Installations updated with data count their log once, here.
SELECT pz.record_training_step(l.loop_id, 0, 0, 0, 0, 0) FROM pz.loops AS l;

-- Same columns, same meaning (events and rewards counted since the loop was
-- created), plus quarantined; no query reads more than the pending events,
-- the last day of events and the rewards the trainer has not counted yet.
CREATE OR REPLACE VIEW pz.loop_status AS
SELECT l.name AS loop,
       l.model_version,
       m.created_at AS trained_at,
       m.examples,
       coalesce(c.rewarded + c.defaulted + c.skipped + c.quarantined, 0) + p.pending AS events,
       p.pending,
       coalesce(c.rewarded + c.defaulted, 0) AS joined,
       coalesce(c.skipped, 0) AS skipped,
       coalesce(c.rewards, 0) + t.rewards AS rewards,
       coalesce(c.late_rewards, 0) + t.late_rewards AS late_rewards,
       a.average_reward_hour,
       a.average_reward_day,
       coalesce(p.training_lag, interval '0') AS training_lag,
       coalesce(c.quarantined, 0) AS quarantined
  FROM pz.loops AS l
  LEFT JOIN pz.models AS m ON m.loop_id = l.loop_id AND m.version = l.model_version
  LEFT JOIN pz.loop_counters AS c ON c.loop_id = l.loop_id
  CROSS JOIN LATERAL (
      SELECT count(*) AS pending,
             greatest(interval '0', now() - min(coalesce(ev.activated_at, ev.created_at)
                                                + (l.settings->>'reward_wait')::interval)) AS training_lag
        FROM pz.events AS ev WHERE ev.loop_id = l.loop_id AND ev.joined_at IS NULL) AS p
  CROSS JOIN LATERAL (
      SELECT avg(ev.reward) FILTER (WHERE ev.created_at > now() - interval '1 hour') AS average_reward_hour,
             avg(ev.reward) AS average_reward_day
        FROM pz.events AS ev
       WHERE ev.loop_id = l.loop_id AND ev.created_at > now() - interval '1 day'
         AND ev.outcome IN ('rewarded', 'defaulted')) AS a
  CROSS JOIN LATERAL pz.count_rewards(l.loop_id, coalesce(c.rewards_counted_through, 0), NULL) AS t;
COMMENT ON VIEW pz.loop_status IS 'Per loop: events by state (quarantined: could not be learned), rewards and late rewards (not learned), recent average reward, current model, and how long the oldest due event has waited for the trainer. Answered from pz.loop_counters, the pending events and the newest rewards.';

-- model_update: at least a second (a smaller one only made the worker spin).
CREATE FUNCTION pz.check_model_update_setting(key text, value jsonb) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pz.check_interval_setting(key, value, positive => true);
    IF (value #>> '{}')::interval < interval '1 second' THEN
        PERFORM pz.settings_error(key, 'an interval of at least 1 second, such as ''1 minute''', value);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pz.check_model_update_setting(text, jsonb) FROM PUBLIC;
UPDATE pz.setting_rules SET value_check = 'pz.check_model_update_setting($1, $2)' WHERE key = 'model_update';
