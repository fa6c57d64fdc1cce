-- Storage: the loops, the decision log, the rewards and the model versions.
-- Analysts read these tables directly; every column is documented below.

\echo Use "CREATE EXTENSION pz" to load this file. \quit

CREATE SCHEMA pz;
COMMENT ON SCHEMA pz IS 'pz: loops, decision log, rewards and models of the pz personalization extension';

CREATE SEQUENCE pz.loops_loop_id_seq AS integer;

CREATE TABLE pz.loops (
    loop_id       integer PRIMARY KEY DEFAULT nextval('pz.loops_loop_id_seq'),
    name          text NOT NULL UNIQUE,
    settings      jsonb NOT NULL,
    model_version bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT loops_name_valid CHECK (length(name) BETWEEN 1 AND 128)
);
ALTER SEQUENCE pz.loops_loop_id_seq OWNED BY pz.loops.loop_id;

COMMENT ON TABLE pz.loops IS 'One row per learning loop (one place in an application to personalize).';
COMMENT ON COLUMN pz.loops.loop_id IS 'Surrogate key referenced by pz.events and pz.models.';
COMMENT ON COLUMN pz.loops.name IS 'Name used by applications in pz_rank(loop, ...).';
COMMENT ON COLUMN pz.loops.settings IS 'Validated settings with every default filled in (see the README, "Loop settings").';
COMMENT ON COLUMN pz.loops.model_version IS 'Version in pz.models that pz_rank scores with; 0 means the untrained (all-zero) model.';
COMMENT ON COLUMN pz.loops.created_at IS 'When the loop was created.';
COMMENT ON COLUMN pz.loops.updated_at IS 'When the settings or the current model last changed.';

CREATE TABLE pz.events (
    event_id      uuid PRIMARY KEY,
    -- No foreign keys on the hot tables: a key-share lock per rank or reward
    -- would contend on the loop row; pz_drop_loop removes a loop's rows itself.
    loop_id       integer NOT NULL,
    created_at    timestamptz NOT NULL,
    context       jsonb NOT NULL,
    actions       jsonb NOT NULL,
    ranking       text[] NOT NULL,
    probabilities float8[] NOT NULL,
    scores        float8[] NOT NULL,
    chosen_action text NOT NULL,
    model_version bigint NOT NULL,
    active        boolean NOT NULL,
    activated_at  timestamptz,
    baseline      text,
    joined_at     timestamptz,
    reward        float8,
    outcome       text,
    CONSTRAINT events_outcome_valid CHECK (outcome IN ('rewarded', 'defaulted', 'skipped')),
    CONSTRAINT events_joined_has_outcome CHECK ((joined_at IS NULL) = (outcome IS NULL)),
    CONSTRAINT events_aligned CHECK (cardinality(ranking) = cardinality(probabilities)
                                     AND cardinality(ranking) = cardinality(scores))
);
-- The joiner scans the not yet joined events of one loop in event order
-- (created_at, then event_id), straight from this index without sorting.
CREATE INDEX events_pending_idx ON pz.events (loop_id, created_at, event_id) WHERE joined_at IS NULL;
-- Status and evaluation read one loop's events by time.
CREATE INDEX events_loop_time_idx ON pz.events (loop_id, created_at);
-- The documents are written once per rank call and read back by the trainer:
-- lz4 compresses and decompresses several times faster than the default pglz.
-- A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE pz.events ALTER COLUMN context SET COMPRESSION lz4,
                          ALTER COLUMN actions SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;

COMMENT ON TABLE pz.events IS 'The decision log: one row per pz_rank call that learns (options.learn is not false).';
COMMENT ON COLUMN pz.events.event_id IS 'Id returned by pz_rank (or supplied in options.event_id); pass it to pz_reward and pz_activate.';
COMMENT ON COLUMN pz.events.loop_id IS 'Loop that made the decision (pz.loops.loop_id).';
COMMENT ON COLUMN pz.events.created_at IS 'Start of the statement that called pz_rank.';
COMMENT ON COLUMN pz.events.context IS 'Context document as given to pz_rank.';
COMMENT ON COLUMN pz.events.actions IS 'Candidate actions as given to pz_rank, in the order given, without the excluded ones.';
COMMENT ON COLUMN pz.events.ranking IS 'Action ids in rank order; ranking[1] is the action shown.';
COMMENT ON COLUMN pz.events.probabilities IS 'Probability with which the policy would have put each action of ranking at rank 1 (aligned with ranking; sums to 1).';
COMMENT ON COLUMN pz.events.scores IS 'Model score (predicted reward) of each action of ranking (aligned with ranking).';
COMMENT ON COLUMN pz.events.chosen_action IS 'The action at rank 1 (ranking[1]): the one whose reward is learned.';
COMMENT ON COLUMN pz.events.model_version IS 'Model version that scored the actions (pz.models.version; 0 = untrained).';
COMMENT ON COLUMN pz.events.active IS 'False for a deferred event until pz_activate; inactive events are never learned.';
COMMENT ON COLUMN pz.events.activated_at IS 'When the event became active (created_at unless deferred); the reward wait counts from here.';
COMMENT ON COLUMN pz.events.baseline IS 'Action the application would have shown without personalization (options.baseline), if given.';
COMMENT ON COLUMN pz.events.joined_at IS 'When the joiner closed the event (its reward wait had passed); NULL while pending.';
COMMENT ON COLUMN pz.events.reward IS 'Final reward once joined: the aggregated rewards, or the loop default_reward; NULL if skipped or pending.';
COMMENT ON COLUMN pz.events.outcome IS 'How the event was joined: rewarded, defaulted (no reward came) or skipped (deferred and never activated).';

CREATE SEQUENCE pz.rewards_reward_id_seq AS bigint;

CREATE TABLE pz.rewards (
    reward_id   bigint PRIMARY KEY DEFAULT nextval('pz.rewards_reward_id_seq'),
    event_id    uuid NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    value       float8 NOT NULL,
    signal      text,
    slot        integer,
    CONSTRAINT rewards_value_range CHECK (value BETWEEN -1 AND 1)
);
ALTER SEQUENCE pz.rewards_reward_id_seq OWNED BY pz.rewards.reward_id;
CREATE INDEX rewards_event_idx ON pz.rewards (event_id, received_at);

COMMENT ON TABLE pz.rewards IS 'Append-only: one row per pz_reward call. Rows are never updated.';
COMMENT ON COLUMN pz.rewards.reward_id IS 'Arrival order of rewards.';
COMMENT ON COLUMN pz.rewards.event_id IS 'Event the reward is for (pz.events.event_id).';
COMMENT ON COLUMN pz.rewards.received_at IS 'When pz_reward was called.';
COMMENT ON COLUMN pz.rewards.value IS 'Reward in [-1, 1].';
COMMENT ON COLUMN pz.rewards.signal IS 'Optional name of the signal (e.g. click, purchase); NULL for the main reward.';
COMMENT ON COLUMN pz.rewards.slot IS 'Reserved for slot (multi-position) rewards; NULL today.';

CREATE TABLE pz.models (
    loop_id    integer NOT NULL REFERENCES pz.loops ON DELETE CASCADE,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    examples   bigint NOT NULL,
    weights    bytea NOT NULL,
    metrics    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (loop_id, version),
    CONSTRAINT models_version_positive CHECK (version > 0)
);

COMMENT ON TABLE pz.models IS 'Trained model versions; pz.loops.model_version names the current one of each loop.';
COMMENT ON COLUMN pz.models.loop_id IS 'Loop the model belongs to.';
COMMENT ON COLUMN pz.models.version IS 'Version number, increasing per loop from 1.';
COMMENT ON COLUMN pz.models.created_at IS 'When this version was trained.';
COMMENT ON COLUMN pz.models.examples IS 'Examples learned in total, from the empty model up to this version.';
COMMENT ON COLUMN pz.models.weights IS 'The model in pz''s versioned binary format (weights and adaptive state).';
COMMENT ON COLUMN pz.models.metrics IS 'Figures of the training step that produced this version.';

-- pg_dump keeps the user data of these tables (and the sequences behind them).
SELECT pg_catalog.pg_extension_config_dump('pz.loops', '');
SELECT pg_catalog.pg_extension_config_dump('pz.loops_loop_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pz.events', '');
SELECT pg_catalog.pg_extension_config_dump('pz.rewards', '');
SELECT pg_catalog.pg_extension_config_dump('pz.rewards_reward_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pz.models', '');
