-- Counting a loop's rewards and joined events from pz.event_state, which holds
-- every column these counts read (loop_id, created_at, joined_at, reward,
-- outcome), instead of the view pz.events: through the view each event or
-- reward also looked up its row of pz.decisions, and the first training step of
-- a loop (which counts its whole log) spent a quarter of its time there.
-- Same counts: the view is the inner join of the two tables on event_id.

CREATE OR REPLACE FUNCTION pz.count_rewards(loop_id integer, after bigint, through bigint,
                                 OUT rewards bigint, OUT late_rewards bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- An empty range, (after, through] with through <= after, without a query:
    -- a step of a loop whose counters began before any reward was a minute old
    -- asks for (0, 0], which the branch for after = 0 below (the count from
    -- scratch) would answer by reading the loop's whole log.
    IF after IS NULL OR through <= after THEN
        rewards := 0;
        late_rewards := 0;
        RETURN;
    END IF;
    -- From scratch, by the loop's events, only for a loop without counters: one
    -- whose counters began with it (pz_create_loop) at 0 had no reward then, so
    -- the rewards since are what an incremental count reads anyway.
    IF after = 0 AND NOT EXISTS (SELECT FROM pz.loop_counters AS c WHERE c.loop_id = count_rewards.loop_id) THEN
        EXECUTE 'SELECT count(*), count(*) FILTER (WHERE e.outcome IN (''skipped'', ''quarantined'')
                                                       OR r.received_at > e.joined_at)
                   FROM pz.event_state AS e
                  CROSS JOIN LATERAL (SELECT r.reward_id, r.received_at FROM pz.rewards AS r
                                       WHERE r.event_id = e.event_id OFFSET 0) AS r
                  WHERE e.loop_id = $1 AND ($2 IS NULL OR r.reward_id <= $2)'
           INTO rewards, late_rewards USING loop_id, through;
        RETURN;
    END IF;
    EXECUTE 'SELECT count(*), count(*) FILTER (WHERE e.outcome IN (''skipped'', ''quarantined'')
                                                   OR r.received_at > e.joined_at)
               FROM pz.rewards AS r
              CROSS JOIN LATERAL (SELECT e.loop_id, e.outcome, e.joined_at FROM pz.event_state AS e
                                   WHERE e.event_id = r.event_id OFFSET 0) AS e
              WHERE r.reward_id > $2 AND ($3 IS NULL OR r.reward_id <= $3) AND e.loop_id = $1'
       INTO rewards, late_rewards USING loop_id, after, through;
END
$$;
CREATE OR REPLACE FUNCTION pz.record_training_step(loop_id integer, rewarded bigint, defaulted bigint, skipped bigint,
                                        quarantined bigint, late_at_join bigint, minutes timestamptz[],
                                        events bigint[], reward_sums float8[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    counters pz.loop_counters;
    through bigint;
    counted record;
    newest bigint := (SELECT max(r.reward_id) FROM pz.rewards AS r);
BEGIN
    SELECT * INTO counters FROM pz.loop_counters AS c WHERE c.loop_id = record_training_step.loop_id;
    -- A reward transaction that commits after a newer reward was counted
    -- would be missed: rewards are counted up to the newest one of a minute
    -- ago, never closer (pz.loop_status counts the others as it reads).
    IF counters.loop_id IS NULL THEN
        SELECT r.reward_id INTO through FROM pz.rewards AS r
         WHERE r.received_at < now() - interval '1 minute' ORDER BY r.reward_id DESC LIMIT 1;
        SELECT * INTO counted FROM pz.count_rewards(loop_id, 0, coalesce(through, 0));
        INSERT INTO pz.loop_counters AS c
        SELECT record_training_step.loop_id,
               count(*) FILTER (WHERE e.outcome = 'rewarded'), count(*) FILTER (WHERE e.outcome = 'defaulted'),
               count(*) FILTER (WHERE e.outcome = 'skipped'), count(*) FILTER (WHERE e.outcome = 'quarantined'),
               counted.rewards, counted.late_rewards, coalesce(through, 0), coalesce(newest, 0), now(), now()
          FROM pz.event_state AS e WHERE e.loop_id = record_training_step.loop_id AND e.joined_at IS NOT NULL;
        INSERT INTO pz.loop_reward_minutes AS w
        SELECT record_training_step.loop_id, to_timestamp(floor(extract(epoch FROM e.created_at) / 60) * 60),
               count(*), sum(e.reward)
          FROM pz.event_state AS e
         WHERE e.loop_id = record_training_step.loop_id AND e.created_at > now() - interval '1 day'
           AND e.outcome IN ('rewarded', 'defaulted')
         GROUP BY 2;
        RETURN;
    END IF;
    INSERT INTO pz.loop_reward_minutes AS w
    SELECT record_training_step.loop_id, u.minute, u.events, u.reward_sum
      FROM unnest(minutes, events, reward_sums) AS u(minute, events, reward_sum)
    ON CONFLICT ON CONSTRAINT loop_reward_minutes_pkey
    DO UPDATE SET events = w.events + excluded.events, reward_sum = w.reward_sum + excluded.reward_sum;
    DELETE FROM pz.loop_reward_minutes AS w
     WHERE w.loop_id = record_training_step.loop_id AND w.minute < now() - interval '1 day' - interval '1 minute';
    through := counters.rewards_counted_through;
    IF counters.newest_reward_seen_at <= now() - interval '1 minute' THEN
        through := greatest(through, counters.newest_reward_id);
        counters.newest_reward_id := coalesce(newest, 0);
        counters.newest_reward_seen_at := now();
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
           newest_reward_id = counters.newest_reward_id,
           newest_reward_seen_at = counters.newest_reward_seen_at,
           updated_at = now()
     WHERE c.loop_id = record_training_step.loop_id;
END
$$;
