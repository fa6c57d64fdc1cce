-- The trainer's read and write of each event, made cheaper (issue 11).

-- reward_aggregation "earliest" without a sort (src/pg/earliest_reward.cpp):
-- the ordered aggregate it replaces set one up for every event read.
CREATE FUNCTION pz.earliest_reward_step(state internal, value float8, received_at timestamptz, reward_id bigint)
RETURNS internal
AS 'MODULE_PATHNAME', 'pz_earliest_reward_step'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION pz.earliest_reward_final(state internal) RETURNS float8
AS 'MODULE_PATHNAME', 'pz_earliest_reward_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE pz.earliest_reward(value float8, received_at timestamptz, reward_id bigint) (
    SFUNC = pz.earliest_reward_step,
    STYPE = internal,
    FINALFUNC = pz.earliest_reward_final
);
COMMENT ON FUNCTION pz.earliest_reward_step(internal, float8, timestamptz, bigint) IS 'Internal: transition of pz.earliest_reward.';
COMMENT ON FUNCTION pz.earliest_reward_final(internal) IS 'Internal: result of pz.earliest_reward.';
COMMENT ON AGGREGATE pz.earliest_reward(float8, timestamptz, bigint) IS 'Internal: the value of the reward with the least (received_at, reward_id), NULL when none (reward_aggregation "earliest").';
REVOKE ALL ON FUNCTION pz.earliest_reward_step(internal, float8, timestamptz, bigint),
                       pz.earliest_reward_final(internal),
                       pz.earliest_reward(float8, timestamptz, bigint) FROM PUBLIC;

-- The join writes a new version of each event's pz.event_state row (the
-- pending index's predicate, joined_at IS NULL, rules out HOT updates), and
-- so a second primary key entry next to the first. Leaf pages filled to half
-- as events are logged (ids are mostly increasing: the right edge splits at
-- the fillfactor) take those entries in place; full ones were split, after a
-- bottom-up deletion pass that cannot succeed while the step's transaction
-- is open. Pages split before this update keep their fill.
ALTER INDEX pz.event_state_pkey SET (fillfactor = 50);
