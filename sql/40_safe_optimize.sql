-- pz_optimize(apply => true) applies a candidate only when the 95% lower
-- bound of its improvement over the online policy is above zero.

-- The rule itself (pz.judge_candidate: improvement, its 95% interval, events).
SELECT apply, reason FROM pz.judge_candidate(0.05, -0.02, 0.12, 500);  -- straddles zero
SELECT apply, reason FROM pz.judge_candidate(0.2, 0.1, 0.3, 500);     -- clearly above
SELECT apply, reason FROM pz.judge_candidate(-0.2, -0.3, -0.1, 500);  -- clearly worse
SELECT apply, reason FROM pz.judge_candidate(0, 0, 0, 500);           -- a bound of exactly zero is not above it
SELECT apply, reason FROM pz.judge_candidate(NULL, NULL, NULL, 0);    -- nothing known
SELECT apply, reason FROM pz.judge_candidate(0.5, 0.5, 0.5, 1);       -- one event: no variance

-- Logs of 600 decisions over 3 actions by two kinds of users; `tasteful`:
-- budget users click apples and premium users clouds; otherwise every action
-- is clicked alike (half the time, whatever is shown).
CREATE FUNCTION simulate_visits(loop text, tasteful boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen text;
    id uuid;
    segment text;
BEGIN
    FOR i IN 1..600 LOOP
        id := md5(loop || i)::uuid;
        segment := CASE WHEN i % 2 = 0 THEN 'budget' ELSE 'premium' END;
        SELECT action_id INTO chosen
          FROM pz_rank(loop, jsonb_build_object('user', jsonb_build_object('segment', segment)),
                       '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}},
                         {"id": "cloud", "features": {"kind": "air"}}]',
                       jsonb_build_object('event_id', id))
         WHERE rank = 1;
        PERFORM pz_reward(id, CASE WHEN tasteful THEN ((segment, chosen) IN (('budget', 'apple'), ('premium', 'cloud')))::int
                                   ELSE (hashtext(loop || i) & 1) END);
        IF i % 200 = 0 THEN
            PERFORM pz_train(loop);
        END IF;
    END LOOP;
END
$$;

-- No better candidate: nothing can beat the online policy when every action
-- is worth the same. The best point estimate is not applied; a notice says why.
SELECT name FROM pz_create_loop('alike', '{"reward_wait": "0 seconds", "exploration": 0.5}');
SELECT simulate_visits('alike', false);
SELECT count(*) AS before_optimizations FROM pz.optimizations \gset
SELECT count(*) FILTER (WHERE applied) AS applied, count(*) AS candidates
  FROM pz_optimize('alike', grid => '[{"exploration": 0}, {"exploration": 0.2}, {"interactions": []}]', apply => true);
SELECT settings->'exploration' AS exploration FROM pz.loops WHERE name = 'alike';
-- An A/A run: the candidate is the loop's own settings.
SELECT count(*) FILTER (WHERE applied) AS applied
  FROM pz_optimize('alike', grid => '[{"exploration": 0.5}]', apply => true);
SELECT count(*) = :before_optimizations AS nothing_recorded FROM pz.optimizations;

-- A clearly better candidate: the loop explores 80% of the time, greedy
-- replay picks the right item once it has learned it.
SELECT name FROM pz_create_loop('picky', '{"reward_wait": "0 seconds", "exploration": 0.8}');
SELECT simulate_visits('picky', true);
SELECT rank, candidate, applied
  FROM pz_optimize('picky', grid => '[{"exploration": 0}]', apply => true) ORDER BY rank;
SELECT settings->'exploration' AS exploration FROM pz.loops WHERE name = 'picky';
SELECT o.applied_settings, o.estimate->'improvement'->>'events' AS events,
       (o.estimate->'improvement'->>'ci_low')::float8 > 0 AS lower_bound_above_zero,
       o.estimate->>'rule' AS rule, o.undone_at IS NULL AS in_force
  FROM pz.optimizations AS o JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'picky';
-- Still undoable.
SELECT settings->'exploration' AS exploration FROM pz_undo_optimization('picky');
-- Applying nothing leaves nothing to undo.
SELECT error_of($$SELECT pz_undo_optimization('alike')$$);
