-- Forgetting a person. pz_rank's option "subject" stores a keyed hash of the
-- subject (HMAC-SHA256) in the event; pz_forget(subject) deletes that
-- subject's events and their rewards in every loop. The key is a random
-- secret of the database, made when the extension is installed or updated;
-- only the extension's owner can read it, and it never enters the log.

CREATE TABLE pz.subject_keys (
    key        bytea PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT subject_keys_length CHECK (length(key) = 32)
);
COMMENT ON TABLE pz.subject_keys IS 'Secret keys of the subject hashes (pz.events.subject_hash); readable by the extension owner only. pz_rank hashes with the newest, pz_forget with every one.';
COMMENT ON COLUMN pz.subject_keys.key IS 'A random 256-bit HMAC-SHA256 key.';
COMMENT ON COLUMN pz.subject_keys.created_at IS 'When the key was made; the newest one hashes new events.';
-- No role but the owner reads the keys: no grant at all.
REVOKE ALL ON pz.subject_keys FROM PUBLIC;
-- pg_dump keeps the keys, so that a restored database still finds the
-- subjects hashed before: restoring adds the dumped key to the one that
-- CREATE EXTENSION made, and pz_forget tries every key.
SELECT pg_catalog.pg_extension_config_dump('pz.subject_keys', '');

CREATE FUNCTION pz.new_subject_key() RETURNS bytea
AS 'MODULE_PATHNAME', 'pz_new_subject_key'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pz.new_subject_key() IS 'Internal: 32 bytes from PostgreSQL''s strong random source, a new key for pz.subject_keys.';

CREATE FUNCTION pz.subject_hash(subject text, key bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'pz_subject_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pz.subject_hash(text, bytea) IS 'Internal: HMAC-SHA256 of a subject (its UTF-8 text) with a key, as stored in pz.events.subject_hash.';
REVOKE ALL ON FUNCTION pz.new_subject_key(), pz.subject_hash(text, bytea) FROM PUBLIC;

INSERT INTO pz.subject_keys (key) VALUES (pz.new_subject_key());

-- Nullable, no default: adding it rewrites nothing; events logged before
-- this version have no subject.
ALTER TABLE pz.events ADD COLUMN subject_hash bytea;
COMMENT ON COLUMN pz.events.subject_hash IS 'Keyed hash (HMAC-SHA256) of options.subject, so that pz_forget finds the subject''s events; NULL when none was given.';
CREATE INDEX events_subject_idx ON pz.events (subject_hash) WHERE subject_hash IS NOT NULL;

-- Subjects forgotten lately. An event of a loop with buffered logging can
-- still be queued when its subject is forgotten: the pz logger does not write
-- a queued event whose subject was forgotten after the event was made. A day
-- is far longer than an event stays queued.
CREATE TABLE pz.forgotten_subjects (
    subject_hash bytea NOT NULL,
    forgotten_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX forgotten_subjects_hash_idx ON pz.forgotten_subjects (subject_hash);
COMMENT ON TABLE pz.forgotten_subjects IS 'Keyed hashes of the subjects pz_forget deleted in the last day, so that events of theirs still queued by buffered logging are not written; readable by the extension''s owner only.';
COMMENT ON COLUMN pz.forgotten_subjects.subject_hash IS 'Keyed hash of the forgotten subject (as pz.events.subject_hash).';
COMMENT ON COLUMN pz.forgotten_subjects.forgotten_at IS 'When pz_forget ran: queued events made before it are not written.';
REVOKE ALL ON pz.forgotten_subjects FROM PUBLIC;

CREATE FUNCTION @extschema@.pz_forget(subject text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    hashes bytea[];
    forgotten uuid[];
    touched integer[];
    loops_touched jsonb;
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
    SELECT array_agg(e.event_id), array_agg(DISTINCT e.loop_id) INTO forgotten, touched
      FROM (SELECT e.event_id, e.loop_id FROM pz.events AS e
             WHERE e.subject_hash = ANY (hashes)
             ORDER BY e.created_at, e.event_id
               FOR UPDATE) AS e;
    -- The loops the subject's events were in: those to pz_retrain.
    SELECT coalesce(jsonb_agg(l.name ORDER BY l.name), '[]') INTO loops_touched
      FROM pz.loops AS l WHERE l.loop_id = ANY (touched);
    IF forgotten IS NOT NULL THEN
        DELETE FROM pz.events AS e WHERE e.event_id = ANY (forgotten);
        -- After the events (see pz.apply_retention).
        DELETE FROM pz.rewards AS r WHERE r.event_id = ANY (forgotten);
        GET DIAGNOSTICS rewards_deleted = ROW_COUNT;
    END IF;
    RETURN jsonb_build_object('events', coalesce(cardinality(forgotten), 0), 'rewards', rewards_deleted,
                              'loops', loops_touched);
END
$$;
COMMENT ON FUNCTION @extschema@.pz_forget(text) IS 'Deletes every event of a subject (options.subject of pz_rank) in every loop, with their rewards; returns the counts and the loops they were in. Models trained on them keep their influence until pz_retrain.';

REVOKE ALL ON FUNCTION @extschema@.pz_forget(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_forget(text) TO pz_admin;
