-- Exploration made visible and controllable: the option "exploration" sets
-- the epsilon of one decision, and pz.events.explored records whether rank 1
-- was an exploration (scored below the model's best).
SELECT name FROM pz_create_loop('explorer', '{"reward_wait": "0 seconds", "exploration": 1}');

-- Bad values are rejected (22023) and write nothing.
SELECT written_rows() AS before \gset
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT * FROM pz_rank('explorer', '{}', '["a", "b"]', '{"exploration": -0.1}')$$,
  $$SELECT * FROM pz_rank('explorer', '{}', '["a", "b"]', '{"exploration": 1.5}')$$,
  $$SELECT * FROM pz_rank('explorer', '{}', '["a", "b"]', '{"exploration": "0"}')$$,
  $$SELECT * FROM pz_rank('explorer', '{}', '["a", "b"]', '{"exploration": true}')$$,
  $$SELECT * FROM pz_rank('explorer', '{}', '["a", "b"]', '{"explore": 0}')$$
]) AS q;
SELECT written_rows() = :'before' AS nothing_written;

-- A uniform policy (loop exploration 1) on a model that learns "apple" pays 1.
CREATE FUNCTION explore_rank(first integer, last integer, options jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    chosen text;
    id uuid;
BEGIN
    FOR i IN first..last LOOP
        id := md5('explorer' || i)::uuid;
        SELECT action_id INTO chosen
          FROM pz_rank('explorer', '{"user": {"segment": "budget"}}',
                       '[{"id": "apple", "features": {"kind": "fruit"}},
                         {"id": "brick", "features": {"kind": "stone"}},
                         {"id": "cloud", "features": {"kind": "air"}}]',
                       options || jsonb_build_object('event_id', id))
         WHERE rank = 1;
        PERFORM pz_reward(id, CASE WHEN chosen = 'apple' THEN 1 ELSE 0 END);
    END LOOP;
END
$$;
SELECT explore_rank(1, 200, '{}');
SELECT pz_train('explorer') ->> 'model_version' AS model_version;

-- Untrained, every action ties for the best: nothing was an exploration.
SELECT count(*) AS events, count(*) FILTER (WHERE explored) AS explored
  FROM pz.events WHERE event_id IN (SELECT md5('explorer' || i)::uuid FROM generate_series(1, 200) i);

-- Trained, the loop's uniform policy shows a lesser action first about two
-- thirds of the time, and explored is true exactly then.
SELECT explore_rank(201, 400, '{}');
SELECT count(*) FILTER (WHERE explored) BETWEEN 100 AND 170 AS mostly_explored,
       bool_and(explored = (scores[1] < (SELECT max(s) FROM unnest(scores) s))) AS explored_means_below_best,
       count(*) FILTER (WHERE explored IS NULL) AS unknown
  FROM pz.events WHERE event_id IN (SELECT md5('explorer' || i)::uuid FROM generate_series(201, 400) i);

-- exploration 0: 200 decisions, every one shows the model's best with the
-- greedy policy's probabilities (1 for the best, 0 for the others).
SELECT explore_rank(401, 600, '{"exploration": 0}');
SELECT count(*) AS events,
       count(*) FILTER (WHERE chosen_action = 'apple') AS apple_first,
       count(*) FILTER (WHERE explored) AS explored,
       count(*) FILTER (WHERE probabilities = '{1,0,0}') AS greedy_probabilities,
       bool_and(scores[1] > scores[2] AND scores[1] > scores[3]) AS best_first
  FROM pz.events WHERE event_id IN (SELECT md5('explorer' || i)::uuid FROM generate_series(401, 600) i);

-- exploration 0.3 for one decision: the best gets 0.8, each other 0.1.
SELECT action_id, round(probability::numeric, 6) AS probability
  FROM pz_rank('explorer', '{"user": {"segment": "budget"}}',
               '[{"id": "apple", "features": {"kind": "fruit"}},
                 {"id": "brick", "features": {"kind": "stone"}},
                 {"id": "cloud", "features": {"kind": "air"}}]',
               '{"exploration": 0.3, "learn": false}')
 ORDER BY action_id;

-- A null option is the loop's own policy.
SELECT count(*) AS rows FROM pz_rank('explorer', '{}', '["a", "b"]', '{"exploration": null}');
