-- auto_optimize: the worker runs pz_optimize on a loop's recent log every
-- that interval and applies the winner only under the 95% rule.

-- The settings: off by default, an interval of at least a minute, a grid as
-- pz_optimize takes it.
SELECT settings->'auto_optimize' AS auto_optimize, settings->'auto_optimize_grid' AS grid
  FROM pz_create_loop('autocheck');
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize": "30 seconds"}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize": "now and then"}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize": 3600}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize": "-1 hour"}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize_grid": "all"}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize_grid": []}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize_grid": [{"exploration": 2}]}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize_grid": {"learning_rate": []}}')$$);
SELECT error_of($$SELECT pz_configure_loop('autocheck', '{"auto_optimize_grid": {"speed": [1]}}')$$);
SELECT settings->'auto_optimize' AS auto_optimize, settings->'auto_optimize_grid' AS grid
  FROM pz_configure_loop('autocheck', '{"auto_optimize": "1 day", "auto_optimize_grid": {"learning_rate": [0.1, 2]}}');
SELECT settings->'auto_optimize' AS auto_optimize, settings->'auto_optimize_grid' AS grid
  FROM pz_configure_loop('autocheck', '{"auto_optimize": null, "auto_optimize_grid": null}');
-- Only the worker runs it.
SELECT has_function_privilege('pz_admin', 'pz.run_auto_optimize(text)', 'EXECUTE') AS admin_may_run,
       has_table_privilege('pz_analyst', 'pz.auto_optimize_runs', 'SELECT') AS analyst_reads_runs;
SELECT pz_drop_loop('autocheck');

-- A loop that explores 80% of the time, with a clearly better candidate
-- (greedy), and an A/A loop whose only candidate is its own settings. The
-- worker's step is pz.run_auto_optimize (tests/cluster/auto_optimize.sh has
-- the worker run it; the regression database is not the worker's).
SELECT name FROM pz_create_loop('autopicky', '{"reward_wait": "0 seconds", "exploration": 0.8}');
SELECT name FROM pz_create_loop('autoalike', '{"reward_wait": "0 seconds", "exploration": 0.5}');
-- Their logs: 600 decisions each, by simulate_visits of 40_safe_optimize.
SELECT simulate_visits('autopicky', true), simulate_visits('autoalike', false);
SELECT count(*) AS before_optimizations FROM pz.optimizations \gset
-- Off: nothing runs.
SELECT pz.run_auto_optimize('autopicky') AS ran;
SELECT name FROM pz_configure_loop('autopicky', '{"auto_optimize": "1 hour", "auto_optimize_grid": [{"exploration": 0}]}');
SELECT name FROM pz_configure_loop('autoalike', '{"auto_optimize": "1 hour", "auto_optimize_grid": [{"exploration": 0.5}]}');
-- The first run is due at once.
SELECT pz.run_auto_optimize('autopicky') AS ran, pz.run_auto_optimize('autoalike') AS ran;

-- The better candidate is applied and recorded as pz_optimize records it;
-- the A/A loop records its decision and changes nothing.
SELECT l.name, r.best_candidate, r.applied, r.events, split_part(r.reason, ':', 1) AS reason,
       r.ran_at - r.since AS window, o.applied_settings, o.undone_at IS NULL AS in_force,
       (o.estimate->'improvement'->>'ci_low')::float8 > 0 AS lower_bound_above_zero
  FROM pz.auto_optimize_runs AS r JOIN pz.loops AS l USING (loop_id)
  LEFT JOIN pz.optimizations AS o USING (optimization_id)
 WHERE l.name IN ('autopicky', 'autoalike') ORDER BY l.name;
SELECT name, settings->'exploration' AS exploration FROM pz.loops WHERE name IN ('autopicky', 'autoalike') ORDER BY name;
SELECT count(*) - :before_optimizations AS new_optimizations FROM pz.optimizations;
SELECT loop, auto_optimized_at IS NOT NULL AS ran, auto_optimize_applied, split_part(auto_optimize_reason, ':', 1) AS reason
  FROM pz.loop_status WHERE loop IN ('autopicky', 'autoalike') ORDER BY loop;

-- Not again before the interval has passed; again once it has.
SELECT pz.run_auto_optimize('autoalike') AS ran;
UPDATE pz.auto_optimize_runs SET ran_at = ran_at - interval '61 minutes'
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'autoalike');
SELECT pz.run_auto_optimize('autoalike') AS ran;
SELECT now() - ran_at < interval '1 minute' AS ran_now, applied FROM pz.auto_optimize_runs
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'autoalike');

-- A run that fails is recorded with its error (and a warning), not retried
-- every round: here a grid set behind validation's back.
UPDATE pz.loops SET settings = settings || '{"auto_optimize_grid": {"exploration": 5}}' WHERE name = 'autoalike';
UPDATE pz.auto_optimize_runs SET ran_at = ran_at - interval '61 minutes'
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'autoalike');
SELECT pz.run_auto_optimize('autoalike') AS ran;
SELECT applied, best_candidate, optimization_id, reason FROM pz.auto_optimize_runs
 WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'autoalike');
SELECT pz.run_auto_optimize('autoalike') AS ran;

-- Undoable like any optimization.
SELECT settings->'exploration' AS exploration FROM pz_undo_optimization('autopicky');

-- Dropping a loop drops its runs.
SELECT pz_drop_loop('autopicky'), pz_drop_loop('autoalike');
SELECT count(*) AS runs_left FROM pz.auto_optimize_runs;
