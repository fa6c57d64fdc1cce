-- The objective applies per slot: each shown slot is learned with the
-- weighted sum of its own signals' rewards (or the default reward when it has
-- none of the objective's signals), as slot 1 is; pz_evaluate's objective
-- re-scores every slot alike.
SELECT name FROM pz_create_loop('carousel_objective',
  '{"reward_wait": "0 seconds", "reward_aggregation": "sum", "objective": {"click": 0.2, "purchase": 0.5}}');

SELECT count(*) AS ranked FROM pz_rank('carousel_objective', '{}', '["a", "b", "c", "d"]',
                                      '{"slots": 3, "event_id": "00000000-0000-0000-0000-000000000691"}');
-- Slot 1: a click; slot 2: a click and a purchase; slot 3: rewards of no
-- signal of the objective (unnamed, and "view").
SELECT pz_reward('00000000-0000-0000-0000-000000000691', 1, 'click', 1),
       pz_reward('00000000-0000-0000-0000-000000000691', 1, 'click', 2),
       pz_reward('00000000-0000-0000-0000-000000000691', 1, 'purchase', 2),
       pz_reward('00000000-0000-0000-0000-000000000691', 1, NULL, 3),
       pz_reward('00000000-0000-0000-0000-000000000691', 1, 'view', 3);
SELECT pz_train('carousel_objective') ->> 'learned' AS learned;
-- Plain sums would be {1, 1, 1}: the objective gives 0.2, 0.2 + 0.5, and the
-- default 0 for slot 3.
SELECT reward, outcome, slot_rewards FROM pz.events WHERE event_id = '00000000-0000-0000-0000-000000000691';

-- Re-scored under "purchase" alone: only slot 2 earns.
SELECT policy, value FROM pz_evaluate('carousel_objective', objective => '{"purchase": 1}')
 WHERE policy LIKE 'online:%' ORDER BY policy;
-- Under the loop's own objective (no re-scoring) the joined rewards stand.
SELECT policy, value FROM pz_evaluate('carousel_objective')
 WHERE policy LIKE 'online:%' ORDER BY policy;

-- Retraining learns the slots with the rewards they were joined with.
SELECT (pz_retrain('carousel_objective') ->> 'examples')::int AS retrained_examples;
SELECT slot_rewards FROM pz.events WHERE event_id = '00000000-0000-0000-0000-000000000691';

SELECT pz_drop_loop('carousel_objective');
