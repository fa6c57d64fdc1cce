-- Loops: create, configure, drop, and every setting validated.
SELECT name, model_version, jsonb_pretty(settings) FROM pz_create_loop('home_hero');
SELECT name, settings->'exploration' AS exploration, settings->'bits' AS bits, settings->'reward_wait' AS reward_wait
  FROM pz_create_loop('tuned', '{"exploration": 0.1, "bits": 20, "reward_wait": "30 seconds",
                                 "interactions": [["user", "category"], ["device", "*"]]}');

-- A duplicate name, an unknown loop, a bad name.
SELECT error_of($$SELECT pz_create_loop('home_hero')$$);
SELECT error_of($$SELECT pz_configure_loop('nope', '{}')$$);
SELECT error_of($$SELECT pz_drop_loop('nope')$$);
SELECT error_of($$SELECT pz_create_loop(NULL)$$);
SELECT error_of($$SELECT pz_create_loop('')$$);
SELECT error_of($$SELECT pz_create_loop(repeat('x', 129))$$);
SELECT written_rows();

-- Every setting rejects a wrong type and an out-of-range value, naming the key.
SELECT s AS settings, error_of(format('SELECT pz_create_loop(%L, %L)', 'bad', s)) AS error
  FROM unnest(ARRAY[
    '[]', '"x"', '{"unknown": 1}',
    '{"exploration": "high"}', '{"exploration": -0.1}', '{"exploration": 1.5}',
    '{"algorithm": "greedy"}', '{"algorithm": 1}',
    '{"temperature": 0}', '{"gamma": -1}',
    '{"reward_wait": "soon"}', '{"reward_wait": "-1 minute"}', '{"reward_wait": 60}',
    '{"default_reward": 2}', '{"default_reward": "0"}',
    '{"reward_aggregation": "mode"}',
    '{"model_update": "0 seconds"}', '{"model_update": true}',
    '{"learning_rate": 0}', '{"power_t": 2}', '{"l2": -1}',
    '{"interactions": "all"}', '{"interactions": [["user"]]}', '{"interactions": [["user", ""]]}', '{"interactions": [[1, 2]]}',
    '{"bits": 9}', '{"bits": 29}', '{"bits": 18.5}',
    '{"retention": "0 days"}', '{"mode": "shadow"}', '{"models_kept": 0}'
  ]::jsonb[]) AS s;
SELECT error_of($$SELECT pz_create_loop('bad', NULL)$$);
SELECT written_rows();

-- Partial update: other settings keep their values; null resets to the default.
SELECT settings->'exploration' AS exploration, settings->'algorithm' AS algorithm, settings->'bits' AS bits
  FROM pz_configure_loop('tuned', '{"exploration": 0.05, "algorithm": "softmax"}');
SELECT settings->'exploration' AS exploration, settings->'algorithm' AS algorithm
  FROM pz_configure_loop('tuned', '{"exploration": null}');
-- A rejected update changes nothing.
SELECT error_of($$SELECT pz_configure_loop('tuned', '{"exploration": 0.3, "bits": 40}')$$);
SELECT settings->'exploration' AS exploration, settings->'bits' AS bits FROM pz.loops WHERE name = 'tuned';
-- A new feature space starts a new model.
UPDATE pz.loops SET model_version = 7 WHERE name = 'tuned';
SELECT model_version FROM pz_configure_loop('tuned', '{"learning_rate": 0.2}');
SELECT model_version FROM pz_configure_loop('tuned', '{"bits": 16}');

SELECT pz_drop_loop('tuned');
SELECT name FROM pz.loops ORDER BY name;
SELECT written_rows();
