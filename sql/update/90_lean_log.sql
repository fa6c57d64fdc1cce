-- The lean decision log. pz.events was one wide table: every event carried
-- its candidates' documents, and the joiner rewrote the whole row to record
-- the outcome. It becomes a view, with the same columns and meanings, over
--   pz.actions      each distinct action document of a loop, stored once and
--                   keyed by a hash of its content;
--   pz.decisions    one row per event, written once: the candidates as
--                   hashes into pz.actions (in the order given) and the
--                   ranking as positions into that list;
--   pz.event_state  the small row that changes: activation and join.
-- Written on a filled 0.1.0 installation: the old table's rows move over.

-- Content address of an action document: a 64-bit hash of its binary jsonb
-- form, the same in SQL (here) and in the rank path (src/pg/action_store.cpp).
CREATE FUNCTION pz.action_hash(action jsonb) RETURNS bigint
AS 'MODULE_PATHNAME', 'pz_action_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pz.action_hash(jsonb) IS 'Internal: the content hash of an action document (pz.actions.action_hash).';

-- The id of an action document: {"id": ..., "features": ...} or a plain id.
CREATE FUNCTION pz.action_id(action jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(action) = 'object' THEN action ->> 'id' ELSE action #>> '{}' END;
COMMENT ON FUNCTION pz.action_id(jsonb) IS 'Internal: the id of an action document as pz_rank reads it.';

-- Two different documents of a loop with the same 64-bit hash (odds about
-- n²/2⁶⁵ for n documents) must not alias each other: a write that finds the
-- hash taken by other content fails instead. Called by the writers, only
-- for a hash stored with other content.
CREATE FUNCTION pz.action_hash_collision(loop_id integer, hash bigint) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'two action documents of loop "%" have the same content hash',
                    (SELECT l.name FROM pz.loops AS l WHERE l.loop_id = action_hash_collision.loop_id)
        USING ERRCODE = 'data_exception', DETAIL = format('The hash is %s.', hash),
              HINT = 'Change either document (e.g. add a feature) so that its hash differs.';
END
$$;
COMMENT ON FUNCTION pz.action_hash_collision(integer, bigint) IS 'Internal: fails a write whose action document has the content hash of a different stored document.';

ALTER TABLE pz.events RENAME TO events_0_1;

CREATE TABLE pz.actions (
    loop_id     integer NOT NULL,
    action_hash bigint NOT NULL,
    action_id   text NOT NULL,
    action      jsonb NOT NULL,
    PRIMARY KEY (loop_id, action_hash)
);
COMMENT ON TABLE pz.actions IS 'Each distinct candidate action document of a loop, stored once and referenced by pz.decisions.action_hashes; documents no event references any more are removed by retention, pz_forget and pz_drop_loop.';
COMMENT ON COLUMN pz.actions.loop_id IS 'Loop whose events use the action (pz.loops.loop_id).';
COMMENT ON COLUMN pz.actions.action_hash IS 'Hash of the document''s content (pz.action_hash): the id events reference it by.';
COMMENT ON COLUMN pz.actions.action_id IS 'The action''s id.';
COMMENT ON COLUMN pz.actions.action IS 'The action as given to pz_rank: {"id": ..., "features": {...}} or a plain id.';

CREATE TABLE pz.decisions (
    event_id      uuid PRIMARY KEY,
    loop_id       integer NOT NULL,
    created_at    timestamptz NOT NULL,
    context       jsonb NOT NULL,
    action_hashes bigint[] NOT NULL,
    ranking       integer[],
    ranking_ids   text[],
    probabilities float8[] NOT NULL,
    scores        float8[] NOT NULL,
    chosen_action text NOT NULL,
    model_version bigint NOT NULL,
    baseline      text,
    subject_hash  bytea,
    explored      boolean,
    CONSTRAINT decisions_one_ranking CHECK ((ranking IS NULL) <> (ranking_ids IS NULL)),
    CONSTRAINT decisions_aligned CHECK (cardinality(probabilities) = cardinality(scores)
                                        AND cardinality(probabilities) = coalesce(cardinality(ranking), cardinality(ranking_ids)))
);
-- Status, evaluation and retention read one loop's events by time.
CREATE INDEX decisions_loop_time_idx ON pz.decisions (loop_id, created_at);
CREATE INDEX decisions_subject_idx ON pz.decisions (subject_hash) WHERE subject_hash IS NOT NULL;
DO $$
BEGIN
    ALTER TABLE pz.decisions ALTER COLUMN context SET COMPRESSION lz4,
                             ALTER COLUMN action_hashes SET COMPRESSION lz4,
                             ALTER COLUMN probabilities SET COMPRESSION lz4,
                             ALTER COLUMN scores SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
COMMENT ON TABLE pz.decisions IS 'One row per logged decision, written once (the analysts'' face is the view pz.events).';
COMMENT ON COLUMN pz.decisions.event_id IS 'Id returned by pz_rank (pz.events.event_id).';
COMMENT ON COLUMN pz.decisions.loop_id IS 'Loop that made the decision.';
COMMENT ON COLUMN pz.decisions.created_at IS 'Start of the statement that called pz_rank.';
COMMENT ON COLUMN pz.decisions.context IS 'Context document as given to pz_rank.';
COMMENT ON COLUMN pz.decisions.action_hashes IS 'The candidates in the order given (without the excluded ones), as pz.actions.action_hash of the loop.';
COMMENT ON COLUMN pz.decisions.ranking IS 'The ranking as 1-based positions into action_hashes; NULL when ranking_ids holds it.';
COMMENT ON COLUMN pz.decisions.ranking_ids IS 'The ranking as ids, only for a ranking that names ids not among the candidates (written through the view); NULL otherwise.';
COMMENT ON COLUMN pz.decisions.probabilities IS 'As pz.events.probabilities (aligned with the ranking).';
COMMENT ON COLUMN pz.decisions.scores IS 'As pz.events.scores (aligned with the ranking).';
COMMENT ON COLUMN pz.decisions.chosen_action IS 'The action at rank 1.';
COMMENT ON COLUMN pz.decisions.model_version IS 'Model version that scored the actions.';
COMMENT ON COLUMN pz.decisions.baseline IS 'As pz.events.baseline.';
COMMENT ON COLUMN pz.decisions.subject_hash IS 'As pz.events.subject_hash.';
COMMENT ON COLUMN pz.decisions.explored IS 'As pz.events.explored.';

CREATE TABLE pz.event_state (
    event_id     uuid PRIMARY KEY,
    loop_id      integer NOT NULL,
    created_at   timestamptz NOT NULL,
    active       boolean NOT NULL,
    activated_at timestamptz,
    joined_at    timestamptz,
    reward       float8,
    outcome      text,
    CONSTRAINT event_state_outcome_valid CHECK (outcome IN ('rewarded', 'defaulted', 'skipped', 'quarantined')),
    CONSTRAINT event_state_joined_has_outcome CHECK ((joined_at IS NULL) = (outcome IS NULL))
);
-- The joiner scans the not yet joined events of one loop in event order
-- (created_at, then event_id), straight from this index without sorting.
CREATE INDEX event_state_pending_idx ON pz.event_state (loop_id, created_at, event_id) WHERE joined_at IS NULL;
COMMENT ON TABLE pz.event_state IS 'The changing part of each logged decision: activation (pz_activate) and join (the trainer), kept out of pz.decisions so that neither rewrites the decision.';
COMMENT ON COLUMN pz.event_state.event_id IS 'The event (pz.decisions.event_id).';
COMMENT ON COLUMN pz.event_state.loop_id IS 'Loop of the event.';
COMMENT ON COLUMN pz.event_state.created_at IS 'As pz.decisions.created_at (the joiner''s order).';
COMMENT ON COLUMN pz.event_state.active IS 'As pz.events.active.';
COMMENT ON COLUMN pz.event_state.activated_at IS 'As pz.events.activated_at.';
COMMENT ON COLUMN pz.event_state.joined_at IS 'As pz.events.joined_at.';
COMMENT ON COLUMN pz.event_state.reward IS 'As pz.events.reward.';
COMMENT ON COLUMN pz.event_state.outcome IS 'As pz.events.outcome.';

-- The old rows move over.
INSERT INTO pz.actions (loop_id, action_hash, action_id, action)
SELECT DISTINCT ON (e.loop_id, pz.action_hash(a.action)) e.loop_id, pz.action_hash(a.action),
       pz.action_id(a.action), a.action
  FROM pz.events_0_1 AS e, jsonb_array_elements(e.actions) AS a(action);
INSERT INTO pz.decisions (event_id, loop_id, created_at, context, action_hashes, ranking, ranking_ids,
                          probabilities, scores, chosen_action, model_version, baseline, subject_hash, explored)
SELECT e.event_id, e.loop_id, e.created_at, e.context, c.hashes,
       CASE WHEN p.mapped THEN p.positions END, CASE WHEN NOT p.mapped THEN e.ranking END,
       e.probabilities, e.scores, e.chosen_action, e.model_version, e.baseline, e.subject_hash, e.explored
  FROM pz.events_0_1 AS e,
       LATERAL (SELECT array_agg(pz.action_hash(a.action) ORDER BY a.n) AS hashes,
                       array_agg(pz.action_id(a.action) ORDER BY a.n) AS ids
                  FROM jsonb_array_elements(e.actions) WITH ORDINALITY AS a(action, n)) AS c,
       LATERAL (SELECT array_agg(array_position(c.ids, r.id) ORDER BY r.k) AS positions,
                       count(*) FILTER (WHERE array_position(c.ids, r.id) IS NULL) = 0 AS mapped
                  FROM unnest(e.ranking) WITH ORDINALITY AS r(id, k)) AS p;
INSERT INTO pz.event_state (event_id, loop_id, created_at, active, activated_at, joined_at, reward, outcome)
SELECT e.event_id, e.loop_id, e.created_at, e.active, e.activated_at, e.joined_at, e.reward, e.outcome
  FROM pz.events_0_1 AS e;
-- Dropping a table leaves it in the extension's list of tables to dump
-- (pg_extension_config_dump): take it out first.
UPDATE pg_catalog.pg_extension AS x
   SET extconfig = (SELECT array_agg(u.config ORDER BY u.i) FROM unnest(x.extconfig) WITH ORDINALITY AS u(config, i)
                     WHERE u.config <> 'pz.events_0_1'::regclass),
       extcondition = (SELECT array_agg(u.condition ORDER BY u.i)
                         FROM unnest(x.extconfig, x.extcondition) WITH ORDINALITY AS u(config, condition, i)
                        WHERE u.config <> 'pz.events_0_1'::regclass)
 WHERE x.extname = 'pz';
DROP TABLE pz.events_0_1;

-- The analysts' face: every column of 0.1.0 with its meaning. The documents
-- and the ranking ids cost nothing to a query that does not name them (the
-- view is flattened into the query). An inner join, so that a filter on the
-- state (joined_at IS NULL) can start from the pending index.
CREATE VIEW pz.events AS
SELECT d.event_id, d.loop_id, d.created_at, d.context,
       (SELECT jsonb_agg(a.action ORDER BY h.n)
          FROM unnest(d.action_hashes) WITH ORDINALITY AS h(hash, n)
          JOIN pz.actions AS a ON a.loop_id = d.loop_id AND a.action_hash = h.hash) AS actions,
       coalesce(d.ranking_ids,
                ARRAY(SELECT a.action_id
                        FROM unnest(d.ranking) WITH ORDINALITY AS r(position, k)
                        JOIN pz.actions AS a ON a.loop_id = d.loop_id
                                            AND a.action_hash = d.action_hashes[r.position]
                       ORDER BY r.k)) AS ranking,
       d.probabilities, d.scores, d.chosen_action, d.model_version,
       s.active, s.activated_at, d.baseline, s.joined_at, s.reward, s.outcome, d.subject_hash, d.explored
  FROM pz.decisions AS d
  JOIN pz.event_state AS s ON s.event_id = d.event_id;

COMMENT ON VIEW pz.events IS 'The decision log: one row per pz_rank call that learns (options.learn is not false); a view over pz.decisions, pz.actions and pz.event_state.';
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
COMMENT ON COLUMN pz.events.outcome IS 'How the event was joined: rewarded, defaulted (no reward came), skipped (deferred and never activated) or quarantined (could not be learned; the server log says why).';
COMMENT ON COLUMN pz.events.subject_hash IS 'Keyed hash (HMAC-SHA256) of options.subject, so that pz_forget finds the subject''s events; NULL when none was given.';
COMMENT ON COLUMN pz.events.explored IS 'Whether the rank-1 action was an exploration: scored below the best action of the deciding model (an action tied for the best is not). NULL for events logged before 0.2.0 and for imported ones.';

-- Writing through the view (tools, tests, an administrator's repair): each
-- row goes to the narrow tables as pz_rank writes it. An update is a delete
-- and an insert of the new row.
CREATE FUNCTION pz.write_events_view() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    hashes bigint[];
    ids text[];
    positions integer[];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM pz.decisions AS d WHERE d.event_id = OLD.event_id;
        DELETE FROM pz.event_state AS s WHERE s.event_id = OLD.event_id;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
    END IF;
    SELECT array_agg(pz.action_hash(a.action) ORDER BY a.n), array_agg(pz.action_id(a.action) ORDER BY a.n)
      INTO hashes, ids
      FROM jsonb_array_elements(NEW.actions) WITH ORDINALITY AS a(action, n);
    INSERT INTO pz.actions (loop_id, action_hash, action_id, action)
    SELECT DISTINCT ON (pz.action_hash(a.action)) NEW.loop_id, pz.action_hash(a.action), pz.action_id(a.action), a.action
      FROM jsonb_array_elements(NEW.actions) AS a(action)
        ON CONFLICT DO NOTHING;
    PERFORM pz.action_hash_collision(NEW.loop_id, a.action_hash)
       FROM jsonb_array_elements(NEW.actions) AS g(action)
       JOIN pz.actions AS a ON a.loop_id = NEW.loop_id AND a.action_hash = pz.action_hash(g.action)
      WHERE a.action <> g.action;
    positions := ARRAY(SELECT array_position(ids, r.id) FROM unnest(NEW.ranking) WITH ORDINALITY AS r(id, k) ORDER BY r.k);
    IF array_position(positions, NULL) IS NOT NULL THEN
        positions := NULL;
    END IF;
    INSERT INTO pz.decisions (event_id, loop_id, created_at, context, action_hashes, ranking, ranking_ids,
                              probabilities, scores, chosen_action, model_version, baseline, subject_hash, explored)
    VALUES (NEW.event_id, NEW.loop_id, NEW.created_at, NEW.context, coalesce(hashes, '{}'), positions,
            CASE WHEN positions IS NULL THEN NEW.ranking END, NEW.probabilities, NEW.scores, NEW.chosen_action,
            NEW.model_version, NEW.baseline, NEW.subject_hash, NEW.explored);
    INSERT INTO pz.event_state (event_id, loop_id, created_at, active, activated_at, joined_at, reward, outcome)
    VALUES (NEW.event_id, NEW.loop_id, NEW.created_at, NEW.active, NEW.activated_at, NEW.joined_at, NEW.reward,
            NEW.outcome);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION pz.write_events_view() IS 'Internal: writes rows inserted, updated or deleted through the view pz.events to its tables.';
CREATE TRIGGER events_write INSTEAD OF INSERT OR UPDATE OR DELETE ON pz.events
    FOR EACH ROW EXECUTE FUNCTION pz.write_events_view();

-- Removing action documents that no event references any more. A backend
-- that wrote an action remembers it (src/pg/action_store.cpp) and then
-- references it without writing it again, holding ROW EXCLUSIVE on
-- pz.actions for its transaction. The collector takes SHARE ROW EXCLUSIVE:
-- it waits for every writer in flight, so its snapshot (taken after the
-- lock) sees each of their events, and no writer starts until it commits.
-- Its commit sends an invalidation of pz.actions that every backend reads
-- when it next takes its lock, before trusting what it remembers. Read
-- committed only (a transaction snapshot could miss events committed before
-- the lock); otherwise, and when writers hold the lock too long, the
-- documents are left for a later collection.
CREATE FUNCTION pz.forget_cached_actions() RETURNS void
AS 'MODULE_PATHNAME', 'pz_forget_cached_actions'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION pz.forget_cached_actions() IS 'Internal: at commit, makes every backend forget the action documents it remembers as stored.';

CREATE FUNCTION pz.collect_actions(loops integer[], candidates bigint[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '1s'
AS $$
DECLARE
    removed bigint := 0;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' OR loops IS NULL THEN
        RETURN 0;
    END IF;
    BEGIN
        LOCK TABLE pz.actions IN SHARE ROW EXCLUSIVE MODE;
    EXCEPTION WHEN lock_not_available THEN
        RETURN 0;
    END;
    -- One pass over the loops' events (a hash anti-join), not one per document.
    DELETE FROM pz.actions AS a
     WHERE a.loop_id = ANY (loops)
       AND (candidates IS NULL OR a.action_hash = ANY (candidates))
       AND NOT EXISTS (SELECT FROM pz.decisions AS d CROSS JOIN LATERAL unnest(d.action_hashes) AS h(hash)
                        WHERE d.loop_id = ANY (loops) AND d.loop_id = a.loop_id AND h.hash = a.action_hash);
    GET DIAGNOSTICS removed = ROW_COUNT;
    IF removed > 0 THEN
        PERFORM pz.forget_cached_actions();
    END IF;
    RETURN removed;
END
$$;
COMMENT ON FUNCTION pz.collect_actions(integer[], bigint[]) IS 'Internal: deletes the action documents of these loops (only the candidates, if given) that no event references.';

-- The writers of 0.2.0 parts, moved to the tables.
CREATE OR REPLACE FUNCTION @extschema@.pz_drop_loop(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped pz.loops := pz.loop_row(name, true);
BEGIN
    -- The events first, in event order, as pz_forget, retention and training
    -- lock them: taking the decisions first deadlocked with pz_forget.
    PERFORM FROM pz.event_state AS s WHERE s.loop_id = dropped.loop_id
      ORDER BY s.created_at, s.event_id FOR UPDATE;
    DELETE FROM pz.rewards AS r
     WHERE r.event_id = ANY (ARRAY(SELECT d.event_id FROM pz.decisions AS d WHERE d.loop_id = dropped.loop_id));
    DELETE FROM pz.decisions AS d WHERE d.loop_id = dropped.loop_id;
    DELETE FROM pz.event_state AS s WHERE s.loop_id = dropped.loop_id;
    -- The loop's id is never used again: its documents go without waiting
    -- for writers (a backend remembering them cannot rank in the loop).
    DELETE FROM pz.actions AS a WHERE a.loop_id = dropped.loop_id;
    DELETE FROM pz.loops AS l WHERE l.loop_id = dropped.loop_id;  -- its models go by cascade
    PERFORM pz.loops_changed();
END
$$;

CREATE OR REPLACE FUNCTION pz.apply_retention(loop text, max_events integer DEFAULT 5000) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target pz.loops := pz.loop_row(loop, false);
    kept_for interval := (target.settings ->> 'retention')::interval;
    expired uuid[];
    rewards_deleted bigint := 0;
    more_due boolean;
BEGIN
    IF max_events IS NULL THEN
        RAISE EXCEPTION 'max_events must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF max_events NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'max_events must be from 1 to 1000000'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', max_events);
    END IF;
    IF kept_for IS NOT NULL THEN
        -- Shares the loop's row with other deleters; waits for a training
        -- step, pz_configure_loop or pz_drop_loop of the loop (each holds it
        -- for update), so that it can deadlock with none of them.
        PERFORM FROM pz.loops AS l WHERE l.loop_id = target.loop_id FOR SHARE;
        -- Oldest first. Rows that another deleter (pz_forget, a concurrent
        -- call) holds are left for a later batch rather than waited for; the
        -- trainer never updates joined events.
        SELECT array_agg(s.event_id) INTO expired
          FROM (SELECT s.event_id FROM pz.event_state AS s
                 WHERE s.loop_id = target.loop_id AND s.created_at < now() - kept_for
                   AND s.joined_at IS NOT NULL
                 ORDER BY s.created_at, s.event_id
                 LIMIT max_events
                   FOR UPDATE SKIP LOCKED) AS s;
    END IF;
    more_due := coalesce(cardinality(expired), 0) = max_events;
    IF expired IS NOT NULL THEN
        DELETE FROM pz.decisions AS d WHERE d.event_id = ANY (expired);
        DELETE FROM pz.event_state AS s WHERE s.event_id = ANY (expired);
        -- After the events, in a statement of its own: its snapshot also sees
        -- a late reward that committed while the events were being deleted.
        DELETE FROM pz.rewards AS r WHERE r.event_id = ANY (expired);
        GET DIAGNOSTICS rewards_deleted = ROW_COUNT;
        -- Once a round, when the last batch is done: a collection reads
        -- every event of the loop.
        IF NOT more_due THEN
            PERFORM pz.collect_actions(ARRAY[target.loop_id]);
        END IF;
    END IF;
    RETURN jsonb_build_object('loop', target.name, 'events', coalesce(cardinality(expired), 0),
                              'rewards', rewards_deleted, 'more_due', more_due);
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.pz_forget(subject text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    hashes bytea[];
    forgotten uuid[];
    touched integer[];
    loops_touched jsonb;
    candidates bigint[];
    rewards_deleted bigint := 0;
BEGIN
    IF subject IS NULL THEN
        RAISE EXCEPTION 'subject must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF subject = '' THEN
        RAISE EXCEPTION 'subject must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(pz.subject_hash(subject, k.key)) INTO hashes FROM pz.subject_keys AS k;
    DELETE FROM pz.forgotten_subjects AS f WHERE f.forgotten_at < now() - interval '1 day';
    INSERT INTO pz.forgotten_subjects (subject_hash) SELECT unnest(hashes);
    -- Locked in event order, the order in which training steps and retention
    -- lock events too, so that forgetting cannot deadlock with them. A pending
    -- event that a training step holds is waited for, then deleted.
    SELECT array_agg(s.event_id), array_agg(DISTINCT s.loop_id) INTO forgotten, touched
      FROM (SELECT s.event_id, s.loop_id FROM pz.event_state AS s
             WHERE s.event_id = ANY (ARRAY(SELECT d.event_id FROM pz.decisions AS d
                                            WHERE d.subject_hash = ANY (hashes)))
             ORDER BY s.created_at, s.event_id
               FOR UPDATE) AS s;
    -- The loops the subject's events were in: those to pz_retrain.
    SELECT coalesce(jsonb_agg(l.name ORDER BY l.name), '[]') INTO loops_touched
      FROM pz.loops AS l WHERE l.loop_id = ANY (touched);
    IF forgotten IS NOT NULL THEN
        WITH gone AS (DELETE FROM pz.decisions AS d WHERE d.event_id = ANY (forgotten) RETURNING d.action_hashes)
        SELECT array_agg(DISTINCT h) INTO candidates FROM gone, unnest(gone.action_hashes) AS h;
        DELETE FROM pz.event_state AS s WHERE s.event_id = ANY (forgotten);
        -- After the events (see pz.apply_retention).
        DELETE FROM pz.rewards AS r WHERE r.event_id = ANY (forgotten);
        GET DIAGNOSTICS rewards_deleted = ROW_COUNT;
        PERFORM pz.collect_actions(touched, candidates);
    END IF;
    RETURN jsonb_build_object('events', coalesce(cardinality(forgotten), 0), 'rewards', rewards_deleted,
                              'loops', loops_touched);
END
$$;

CREATE OR REPLACE FUNCTION pz.event_logged(event_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT FROM pz.event_state AS s WHERE s.event_id = event_logged.event_id)
       OR pz.event_queued(event_logged.event_id) THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT FROM pz.event_state AS s WHERE s.event_id = event_logged.event_id);
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.pz_activate(event_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    event record;
BEGIN
    IF event_id IS NULL THEN
        RAISE EXCEPTION 'event_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pz.write_queued_event(event_id);
    UPDATE pz.event_state AS s SET active = true, activated_at = clock_timestamp()
     WHERE s.event_id = pz_activate.event_id AND NOT s.active AND s.joined_at IS NULL;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT s.active, s.joined_at INTO event FROM pz.event_state AS s WHERE s.event_id = pz_activate.event_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'event % does not exist', event_id USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT event.active THEN
        RAISE EXCEPTION 'event % was skipped: its reward wait ended before it was activated', event_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- already active: nothing to do
END
$$;

-- pg_dump keeps the log; analysts read it; the internal functions are the
-- extension owner's.
SELECT pg_catalog.pg_extension_config_dump('pz.actions', '');
SELECT pg_catalog.pg_extension_config_dump('pz.decisions', '');
SELECT pg_catalog.pg_extension_config_dump('pz.event_state', '');
REVOKE ALL ON pz.actions, pz.decisions, pz.event_state, pz.events FROM PUBLIC;
GRANT SELECT ON pz.actions, pz.decisions, pz.event_state, pz.events TO pz_analyst, pz_admin;
REVOKE ALL ON FUNCTION pz.action_hash(jsonb), pz.action_id(jsonb), pz.write_events_view(),
                       pz.action_hash_collision(integer, bigint),
                       pz.forget_cached_actions(), pz.collect_actions(integer[], bigint[]) FROM PUBLIC;
