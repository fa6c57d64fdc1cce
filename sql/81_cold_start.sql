-- Cold start: epsilon-greedy gives the share cold_start of its exploration to
-- the actions the model has not learned for the visit's context.
SELECT settings->'cold_start' AS cold_start FROM pz_create_loop('fresh_items', '{"reward_wait": "0 seconds"}');

-- A bad value is refused with 22023 and changes nothing.
SELECT error_of($$SELECT pz_configure_loop('fresh_items', '{"cold_start": 1.5}')$$);
SELECT error_of($$SELECT pz_configure_loop('fresh_items', '{"cold_start": -0.1}')$$);
SELECT error_of($$SELECT pz_configure_loop('fresh_items', '{"cold_start": "more"}')$$);
SELECT settings->'cold_start' AS cold_start FROM pz.loops WHERE name = 'fresh_items';

-- The model learns "apple" and "brick" (apple is rewarded); "cherry" arrives later.
DO $$
DECLARE
    id uuid;
    chosen text;
BEGIN
    FOR i IN 1..60 LOOP
        id := md5('fresh_items' || i)::uuid;
        SELECT action_id INTO chosen
          FROM pz_rank('fresh_items', '{"user": {"segment": "budget"}}', '["apple", "brick"]',
                       jsonb_build_object('event_id', id))
         WHERE rank = 1;
        PERFORM pz_reward(id, CASE WHEN chosen = 'apple' THEN 1 ELSE 0 END);
    END LOOP;
END
$$;
SELECT pz_train('fresh_items')->'examples' AS examples;

-- Of the exploration (0.2), half is spread over the three (0.2 * 0.5 / 3 each)
-- and half goes to cherry, the only one never learned: 0.0333 + 0.1.
SELECT action_id, rank, round(probability::numeric, 4) AS probability
  FROM pz_rank('fresh_items', '{"user": {"segment": "budget"}}', '["apple", "brick", "cherry"]',
               '{"event_id": "00000000-0000-4000-8000-0000000000c1"}')
 ORDER BY action_id;
-- The probabilities logged are the ones used.
SELECT array_length(probabilities, 1) AS actions, round((SELECT sum(p) FROM unnest(probabilities) AS p)::numeric, 6) AS total,
       round((probabilities[array_position(ranking, 'cherry')])::numeric, 4) AS cherry
  FROM pz.events WHERE event_id = '00000000-0000-4000-8000-0000000000c1';

-- Exploration 0 for one decision: the model's best with certainty, cherry 0.
SELECT action_id, rank, probability
  FROM pz_rank('fresh_items', '{"user": {"segment": "budget"}}', '["apple", "brick", "cherry"]',
               '{"exploration": 0, "learn": false}')
 ORDER BY action_id;

-- cold_start 0: the exploration is uniform again (0.2 / 3 each).
SELECT settings->'cold_start' AS cold_start FROM pz_configure_loop('fresh_items', '{"cold_start": 0}');
SELECT action_id, rank, round(probability::numeric, 4) AS probability
  FROM pz_rank('fresh_items', '{"user": {"segment": "budget"}}', '["apple", "brick", "cherry"]',
               '{"learn": false}')
 ORDER BY action_id;

-- null resets it to the default.
SELECT settings->'cold_start' AS cold_start FROM pz_configure_loop('fresh_items', '{"cold_start": null}');
SELECT pz_drop_loop('fresh_items');
