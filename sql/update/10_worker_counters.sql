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
    newest_reward_id        bigint NOT NULL,
    newest_reward_seen_at   timestamptz NOT NULL,
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
COMMENT ON COLUMN pz.loop_counters.rewards_counted_through IS 'Highest pz.rewards.reward_id counted in rewards.';
COMMENT ON COLUMN pz.loop_counters.newest_reward_id IS 'The newest reward_id when newest_reward_seen_at was recorded: counted through once that is a minute ago.';
COMMENT ON COLUMN pz.loop_counters.newest_reward_seen_at IS 'When newest_reward_id was recorded.';
COMMENT ON COLUMN pz.loop_counters.updated_at IS 'When a training step last added to the counts.';

CREATE TABLE pz.loop_reward_minutes (
    loop_id    integer NOT NULL REFERENCES pz.loops ON DELETE CASCADE,
    minute     timestamptz NOT NULL,
    events     bigint NOT NULL,
    reward_sum float8 NOT NULL,
    PRIMARY KEY (loop_id, minute)
);
COMMENT ON TABLE pz.loop_reward_minutes IS 'Per loop and minute of the last day: the learned events created in that minute and the sum of their rewards (the averages of pz.loop_status).';
COMMENT ON COLUMN pz.loop_reward_minutes.loop_id IS 'Loop counted (pz.loops.loop_id).';
COMMENT ON COLUMN pz.loop_reward_minutes.minute IS 'Start of the minute (UTC) in which the events were created.';
COMMENT ON COLUMN pz.loop_reward_minutes.events IS 'Events of that minute joined and learned (rewarded or defaulted) so far.';
COMMENT ON COLUMN pz.loop_reward_minutes.reward_sum IS 'Sum of their final rewards.';

-- Not dumped: derived from the log, and rebuilt from it after a restore.
REVOKE ALL ON pz.loop_counters, pz.loop_reward_minutes FROM PUBLIC;
GRANT SELECT ON pz.loop_counters, pz.loop_reward_minutes TO pz_analyst, pz_admin;

-- Rewards of a loop's events with reward_id in (after, through] (through NULL:
-- no bound; after NULL: none), and how many of them are late. Planned with the
-- actual bounds (EXECUTE), in a fixed shape (OFFSET 0 keeps the lookup a
-- nested index probe): statistics of pz.rewards can be far off (they are lost
-- in a crash), and a join the planner would cost with them could take hours.
-- The looked-up side has its key as its only condition.
-- after = 0: a loop counted for the first time, from its events; else the
-- newest rewards, each looked up by its event.
CREATE FUNCTION pz.count_rewards(loop_id integer, after bigint, through bigint,
                                 OUT rewards bigint, OUT late_rewards bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF after IS NULL THEN
        rewards := 0;
        late_rewards := 0;
        RETURN;
    END IF;
    IF after = 0 THEN
        EXECUTE 'SELECT count(*), count(*) FILTER (WHERE e.outcome IN (''skipped'', ''quarantined'')
                                                       OR r.received_at > e.joined_at)
                   FROM pz.events AS e
                  CROSS JOIN LATERAL (SELECT r.reward_id, r.received_at FROM pz.rewards AS r
                                       WHERE r.event_id = e.event_id OFFSET 0) AS r
                  WHERE e.loop_id = $1 AND ($2 IS NULL OR r.reward_id <= $2)'
           INTO rewards, late_rewards USING loop_id, through;
        RETURN;
    END IF;
    EXECUTE 'SELECT count(*), count(*) FILTER (WHERE e.outcome IN (''skipped'', ''quarantined'')
                                                   OR r.received_at > e.joined_at)
               FROM pz.rewards AS r
              CROSS JOIN LATERAL (SELECT e.loop_id, e.outcome, e.joined_at FROM pz.events AS e
                                   WHERE e.event_id = r.event_id OFFSET 0) AS e
              WHERE r.reward_id > $2 AND ($3 IS NULL OR r.reward_id <= $3) AND e.loop_id = $1'
       INTO rewards, late_rewards USING loop_id, after, through;
END
$$;
COMMENT ON FUNCTION pz.count_rewards(integer, bigint, bigint) IS 'Internal: rewards of a loop''s events in a reward_id range, and how many of them are late.';

-- Called by each training step, in its transaction, after it wrote its
-- outcomes: adds the step's counts and the rewards that arrived since the
-- previous step. late_at_join: rewards already counted (reward_id up to the
-- previous rewards_counted_through) of the events the step skipped or
-- quarantined. minutes, events, reward_sums: the learned events of the last
-- day by minute of creation. The first step of a loop (or the first after a
-- restore) counts the loop's log instead.
CREATE FUNCTION pz.record_training_step(loop_id integer, rewarded bigint, defaulted bigint, skipped bigint,
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
          FROM pz.events AS e WHERE e.loop_id = record_training_step.loop_id AND e.joined_at IS NOT NULL;
        INSERT INTO pz.loop_reward_minutes AS w
        SELECT record_training_step.loop_id, to_timestamp(floor(extract(epoch FROM e.created_at) / 60) * 60),
               count(*), sum(e.reward)
          FROM pz.events AS e
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
COMMENT ON FUNCTION pz.record_training_step(integer, bigint, bigint, bigint, bigint, bigint, timestamptz[], bigint[], float8[]) IS 'Internal: adds a training step''s counts to pz.loop_counters.';
REVOKE ALL ON FUNCTION pz.count_rewards(integer, bigint, bigint),
    pz.record_training_step(integer, bigint, bigint, bigint, bigint, bigint, timestamptz[], bigint[], float8[]) FROM PUBLIC;
-- pz.loop_status calls it as the role reading the view.
GRANT EXECUTE ON FUNCTION pz.count_rewards(integer, bigint, bigint) TO pz_analyst, pz_admin;

-- Keeps the counts of loops that have not trained for a while current, so that
-- what pz.loop_status counts as it reads stays a minute or two of rewards.
-- The worker calls it every round; a loop being trained is skipped.
CREATE FUNCTION pz.refresh_loop_counters() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stale integer;
BEGIN
    FOR stale IN SELECT l.loop_id FROM pz.loops AS l JOIN pz.loop_counters AS c ON c.loop_id = l.loop_id
                  WHERE c.newest_reward_seen_at <= now() - interval '1 minute'
                  ORDER BY l.loop_id FOR UPDATE OF l SKIP LOCKED LOOP
        PERFORM pz.record_training_step(stale, 0, 0, 0, 0, 0, '{}', '{}', '{}');
    END LOOP;
END
$$;
COMMENT ON FUNCTION pz.refresh_loop_counters() IS 'Internal: counts the rewards of loops that have not trained for a minute.';

-- Per loop with counters, its rewards not counted yet: one look at the
-- newest rewards for every loop.
CREATE FUNCTION pz.rewards_not_counted(OUT loop_id integer, OUT rewards bigint, OUT late_rewards bigint)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- A few thousand rows: starting parallel workers would cost more than they save.
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    oldest bigint := (SELECT min(c.rewards_counted_through) FROM pz.loop_counters AS c);
BEGIN
    IF oldest IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT e.loop_id, count(*), count(*) FILTER (WHERE e.outcome IN (''skipped'', ''quarantined'')
                                                       OR r.received_at > e.joined_at)
           FROM pz.rewards AS r
          CROSS JOIN LATERAL (SELECT e.loop_id, e.outcome, e.joined_at FROM pz.events AS e
                               WHERE e.event_id = r.event_id OFFSET 0) AS e
           JOIN pz.loop_counters AS c ON c.loop_id = e.loop_id
          WHERE r.reward_id > $1 AND r.reward_id > c.rewards_counted_through
          GROUP BY e.loop_id' USING oldest;
END
$$;
COMMENT ON FUNCTION pz.rewards_not_counted() IS 'Internal: per loop, the rewards pz.loop_counters has not counted yet, and how many of them are late.';
REVOKE ALL ON FUNCTION pz.refresh_loop_counters(), pz.rewards_not_counted() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pz.rewards_not_counted() TO pz_analyst, pz_admin;

-- Installations updated with data count their log once, here.
SELECT pz.record_training_step(l.loop_id, 0, 0, 0, 0, 0, '{}', '{}', '{}') FROM pz.loops AS l;

-- Same columns, same meaning (events and rewards counted since the loop was
-- created), plus quarantined; no query reads more than the pending events,
-- the per-minute sums of the last day and the rewards the counters do not
-- hold yet. The averages are to the minute: events created in the minute
-- that began an hour (a day) ago are left out.
-- A function under the view: its few rows do not pay for the JIT compilation
-- that the planner's estimate of a whole view would start (seconds).
CREATE FUNCTION pz.loop_status_rows()
RETURNS TABLE (loop text, model_version bigint, trained_at timestamptz, examples bigint, events bigint,
               pending bigint, joined bigint, skipped bigint, rewards bigint, late_rewards bigint,
               average_reward_hour float8, average_reward_day float8, training_lag interval,
               quarantined bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
ROWS 10
AS $$
SELECT l.name AS loop,
       l.model_version,
       m.created_at AS trained_at,
       m.examples,
       coalesce(c.rewarded + c.defaulted + c.skipped + c.quarantined, 0) + p.pending AS events,
       p.pending,
       coalesce(c.rewarded + c.defaulted, 0) AS joined,
       coalesce(c.skipped, 0) AS skipped,
       coalesce(c.rewards, 0) + coalesce(t.rewards, u.rewards, 0) AS rewards,
       coalesce(c.late_rewards, 0) + coalesce(t.late_rewards, u.late_rewards, 0) AS late_rewards,
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
      SELECT sum(w.reward_sum) FILTER (WHERE w.minute > now() - interval '1 hour')
               / nullif(sum(w.events) FILTER (WHERE w.minute > now() - interval '1 hour'), 0) AS average_reward_hour,
             sum(w.reward_sum) / nullif(sum(w.events), 0) AS average_reward_day
        FROM pz.loop_reward_minutes AS w
       WHERE w.loop_id = l.loop_id AND w.minute > now() - interval '1 day') AS a
  LEFT JOIN pz.rewards_not_counted() AS t ON t.loop_id = l.loop_id
  -- A loop not counted yet (new, or restored) has its rewards counted here.
  CROSS JOIN LATERAL pz.count_rewards(l.loop_id, CASE WHEN c.loop_id IS NULL THEN 0 END, NULL) AS u
$$;
COMMENT ON FUNCTION pz.loop_status_rows() IS 'Internal: the rows of pz.loop_status.';
REVOKE ALL ON FUNCTION pz.loop_status_rows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pz.loop_status_rows() TO pz_analyst, pz_admin;
CREATE OR REPLACE VIEW pz.loop_status AS SELECT * FROM pz.loop_status_rows();
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
