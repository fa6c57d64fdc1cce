-- Rewards are appended; activation turns a deferred event on.
SELECT pz_reward('00000000-0000-4000-8000-000000000001', 1);
SELECT pz_reward('00000000-0000-4000-8000-000000000001', 0.25, 'purchase');
SELECT pz_reward('00000000-0000-4000-8000-000000000001', -1);
SELECT event_id, value, signal, slot, received_at <= clock_timestamp() AS received
  FROM pz.rewards ORDER BY reward_id;
-- Rewards never touch the event row.
SELECT joined_at, reward FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000001';

SELECT written_rows();
SELECT q AS call, error_of(q) AS error FROM unnest(ARRAY[
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', 1.5)$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', -1.0001)$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', 'NaN')$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', 'Infinity')$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', '-Infinity')$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', NULL)$$,
  $$SELECT pz_reward(NULL, 1)$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-000000000001', 1, '')$$,
  $$SELECT pz_reward('00000000-0000-4000-8000-00000000ffff', 1)$$,
  $$SELECT pz_activate('00000000-0000-4000-8000-00000000ffff')$$,
  $$SELECT pz_activate(NULL)$$
]) AS q;
SELECT written_rows();

-- Deferred: inactive until activated; activating twice is a no-op.
SELECT active, activated_at IS NULL AS not_activated FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000002';
SELECT pz_activate('00000000-0000-4000-8000-000000000002');
SELECT active, activated_at IS NOT NULL AS activated FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000002';
SELECT pz_activate('00000000-0000-4000-8000-000000000002');
SELECT pz_activate('00000000-0000-4000-8000-000000000001');
-- An event the joiner skipped (deferred, never activated in time) cannot be activated.
SELECT count(*) FROM pz_rank('home_hero', '{}', '["a"]', '{"event_id": "00000000-0000-4000-8000-000000000004", "deferred": true}');
UPDATE pz.events SET joined_at = now(), outcome = 'skipped' WHERE event_id = '00000000-0000-4000-8000-000000000004';
SELECT error_of($$SELECT pz_activate('00000000-0000-4000-8000-000000000004')$$);
