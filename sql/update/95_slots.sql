-- Slots: several positions shown at once (pz_rank's option slots). Each of
-- the first k ranks is drawn by the loop's policy from the actions not placed
-- before it, and logs its own probability; rewards name their slot.

ALTER TABLE pz.decisions ADD COLUMN slot_probabilities float8[];
ALTER TABLE pz.decisions ADD CONSTRAINT decisions_slots_ranked
    CHECK (slot_probabilities IS NULL
           OR cardinality(slot_probabilities) BETWEEN 1 AND cardinality(pz.candidate_probabilities(candidates)));
COMMENT ON COLUMN pz.decisions.slot_probabilities IS 'As pz.events.slot_probabilities.';
ALTER TABLE pz.event_state ADD COLUMN slot_rewards float8[];
COMMENT ON COLUMN pz.event_state.slot_rewards IS 'As pz.events.slot_rewards.';

-- The view gains the columns at its end; every other column keeps its
-- meaning. Its definition is extended as the lean log's part left it (not
-- repeated here), so that a change there is kept.
DO $$
DECLARE
    definition text := rtrim(pg_catalog.pg_get_viewdef('pz.events'::regclass), ';');
    extended text;
BEGIN
    extended := pg_catalog.regexp_replace(definition, '(\s+FROM\s+\(*(pz\.)?decisions d\M)',
                                          ', d.slot_probabilities, s.slot_rewards\1');
    IF extended = definition THEN
        RAISE EXCEPTION 'pz.events is not the view over pz.decisions d and pz.event_state s that this part extends';
    END IF;
    EXECUTE 'CREATE OR REPLACE VIEW pz.events AS ' || extended;
END
$$;
COMMENT ON COLUMN pz.events.slot_probabilities IS 'With options.slots = k: for each of the first k ranks (the slots shown, fewer when fewer actions were given), the probability with which the policy drew ranking[j] there from the actions not placed before it; slot_probabilities[1] = probabilities[1]. NULL for an event ranked without slots (one position).';
COMMENT ON COLUMN pz.events.slot_rewards IS 'With slots, once learned: the reward each slot was learned with, in slot order (the aggregated rewards naming the slot, or the loop default_reward); slot_rewards[1] = reward. NULL without slots, while pending, and for skipped or quarantined events.';

-- Writing through the view: the row's slot probabilities, after the trigger
-- events_write (triggers fire in name order) has written the rest.
CREATE FUNCTION pz.write_events_view_slots() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.slot_probabilities IS NOT NULL THEN
        UPDATE pz.decisions AS d SET slot_probabilities = NEW.slot_probabilities WHERE d.event_id = NEW.event_id;
    END IF;
    IF NEW.slot_rewards IS NOT NULL THEN
        UPDATE pz.event_state AS s SET slot_rewards = NEW.slot_rewards WHERE s.event_id = NEW.event_id;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION pz.write_events_view_slots() IS 'Internal: writes the slot probabilities and slot rewards of rows inserted or updated through the view pz.events.';
CREATE TRIGGER events_write_slots INSTEAD OF INSERT OR UPDATE ON pz.events
    FOR EACH ROW EXECUTE FUNCTION pz.write_events_view_slots();
REVOKE ALL ON FUNCTION pz.write_events_view_slots() FROM PUBLIC;

-- How many slots an event showed: 1 without slots. NULL if it is not
-- logged (a queued event is written first, in this transaction).
CREATE FUNCTION pz.event_slots(event_id uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shown integer;
BEGIN
    PERFORM pz.write_queued_event(event_id);
    SELECT coalesce(cardinality(d.slot_probabilities), 1) INTO shown
      FROM pz.decisions AS d WHERE d.event_id = event_slots.event_id;
    RETURN shown;
END
$$;
COMMENT ON FUNCTION pz.event_slots(uuid) IS 'Internal: how many slots an event showed (1 without slots); NULL if it is not logged.';
REVOKE ALL ON FUNCTION pz.event_slots(uuid) FROM PUBLIC;

-- pz_reward gains the slot (keeping the 3-argument form too would make
-- 2-argument calls ambiguous). NULL is slot 1, the top position, for every
-- event: callers of 0.1.0 keep rewarding what they rewarded.
DROP FUNCTION @extschema@.pz_reward(uuid, float8, text);
CREATE FUNCTION @extschema@.pz_reward(event_id uuid, reward float8, signal text DEFAULT NULL, slot integer DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shown integer;
BEGIN
    IF event_id IS NULL OR reward IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN event_id IS NULL THEN 'event_id' ELSE 'reward' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- NaN and the infinities fail this test too
    IF NOT reward BETWEEN -1 AND 1 THEN
        RAISE EXCEPTION 'reward % is out of range', reward
            USING ERRCODE = 'numeric_value_out_of_range', DETAIL = 'A reward must be a finite number from -1 to 1.';
    END IF;
    IF signal IS NOT NULL AND length(signal) NOT BETWEEN 1 AND 128 THEN
        RAISE EXCEPTION 'signal must be 1 to 128 characters long'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF slot IS NOT NULL AND slot < 1 THEN
        RAISE EXCEPTION 'slot must be 1 or more, not %', slot
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Slots are numbered from 1, the top position.';
    END IF;
    -- On a hot standby the reward is queued for the primary (part 72). The
    -- forwarded reward carries no slot yet, so only the top slot is taken.
    IF pg_catalog.pg_is_in_recovery() THEN
        IF slot > 1 THEN
            RAISE EXCEPTION 'a reward for slot % cannot be taken on a hot standby', slot
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Send rewards for slots after the first to the primary.';
        END IF;
        IF NOT pz.event_logged(event_id) THEN
            RAISE EXCEPTION 'event % does not exist', event_id
                USING ERRCODE = 'undefined_object',
                      HINT = 'Only logged events take rewards: not those ranked with options.learn = false, nor those of a transaction that has not committed.';
        END IF;
        PERFORM pz.queue_reward(event_id, reward, signal);
        RETURN;
    END IF;
    -- Slot 1 (or none) is shown by every event: only a later slot needs the
    -- event's row.
    IF slot > 1 THEN
        shown := pz.event_slots(event_id);
        IF slot > shown THEN
            RAISE EXCEPTION 'event % showed % slot%: slot % was not shown', event_id, shown,
                            CASE WHEN shown = 1 THEN '' ELSE 's' END, slot
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Rank with options.slots to show several positions at once.';
        END IF;
    END IF;
    IF shown IS NULL AND NOT pz.event_logged(event_id) THEN
        RAISE EXCEPTION 'event % does not exist', event_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Only logged events take rewards: not those ranked with options.learn = false, nor those of a transaction that has not committed.';
    END IF;
    INSERT INTO pz.rewards (event_id, value, signal, slot) VALUES (event_id, reward, signal, slot);
END
$$;
COMMENT ON FUNCTION @extschema@.pz_reward(uuid, float8, text, integer) IS 'Reports a reward in [-1, 1] for a logged event, optionally for one of its slots (appends to pz.rewards).';
REVOKE ALL ON FUNCTION @extschema@.pz_reward(uuid, float8, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.pz_reward(uuid, float8, text, integer) TO pz_app, pz_admin;

COMMENT ON COLUMN pz.rewards.slot IS 'The slot the reward is for (pz_reward''s slot: 1 is the top position); NULL for the top position when no slot was named.';
