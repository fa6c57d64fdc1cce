-- pz_evaluate per slot and per page: rows "<policy>:slot<j>" and
-- "<policy>:page" over the events ranked with slots, for the fixed policies and the candidates.
SELECT name FROM pz_create_loop('carousel_eval', '{"reward_wait": "0 seconds"}');

-- 300 pages of three slots from a uniform policy (exploration 1), rewards
-- per slot: "a" earns 1 in slot 1, 0.5 in slot 2, 0.25 in slot 3.
SELECT count(*) AS rewards FROM (
  SELECT pz_reward(r.event_id, CASE WHEN r.action_id = 'a' THEN 1.0 / 2 ^ (r.rank - 1) ELSE 0 END, NULL, r.rank)
    FROM generate_series(1, 300) AS i,
         LATERAL pz_rank('carousel_eval', jsonb_build_object('i', i), '["a", "b", "c", "d"]',
                         '{"slots": 3, "exploration": 1}') AS r
   WHERE r.rank <= 3) AS given;
SELECT pz_train('carousel_eval') ->> 'learned' AS learned;

-- Logged uniformly, the random policy's weights are all 1: its estimates are
-- the log's own averages, slot by slot and for the page; each slot's value
-- is about its reward for "a" over 4 actions.
CREATE TEMP TABLE slot_rows AS SELECT * FROM pz_evaluate('carousel_eval') WHERE policy LIKE '%:%';
SELECT policy, estimator, events FROM slot_rows ORDER BY policy, estimator;
SELECT o.policy, abs(o.value - r.value) < 1e-12 AS random_equals_online,
       r.ci_low <= r.value AND r.value <= r.ci_high AS in_interval
  FROM slot_rows o JOIN slot_rows r ON r.policy = replace(o.policy, 'online', 'random')
                                   AND r.estimator = 'ips'
 WHERE o.policy LIKE 'online:%' ORDER BY o.policy;
SELECT round(value::numeric, 2) BETWEEN 0.15 AND 0.35 AS slot_1_near_quarter
  FROM slot_rows WHERE policy = 'random:slot1' AND estimator = 'ips';
SELECT abs((SELECT value FROM slot_rows WHERE policy = 'online:page')
           - (SELECT sum(value) FROM slot_rows WHERE policy LIKE 'online:slot%')) < 1e-9 AS page_is_sum_of_slots;

-- No event ranked with slots in the window: no such rows.
SELECT count(*) AS slot_rows_without_slots
  FROM pz_evaluate('carousel_eval', until => (SELECT min(created_at) FROM pz.events)) WHERE policy LIKE '%:%';

-- The candidates get the same rows, "<candidate>:slot<j>" and "<candidate>:page".
CREATE TEMP TABLE candidate_rows AS
SELECT * FROM pz_evaluate('carousel_eval',
                          candidates => '{"uniform": {"exploration": 1}, "greedy": {"exploration": 0}}');
SELECT policy, estimator, events FROM candidate_rows
 WHERE policy LIKE 'uniform:%' OR policy LIKE 'greedy:%' ORDER BY policy, estimator;

-- A candidate that explores uniformly is the random policy, slot by slot:
-- the same estimates and intervals.
SELECT c.policy, c.estimator,
       abs(c.value - r.value) < 1e-12 AND abs(c.ci_low - r.ci_low) < 1e-12 AND abs(c.ci_high - r.ci_high) < 1e-12 AS same_as_random
  FROM candidate_rows c JOIN candidate_rows r ON r.policy = replace(c.policy, 'uniform', 'random') AND r.estimator = c.estimator
 WHERE c.policy LIKE 'uniform:%' ORDER BY c.policy, c.estimator;

-- The greedy candidate learns, as it replays the log, to put "a" first: its
-- page is worth more than the random page, and each estimate lies in its interval.
SELECT (SELECT value FROM candidate_rows WHERE policy = 'greedy:page') >
       (SELECT value FROM candidate_rows WHERE policy = 'random:page') + 0.2 AS greedy_page_beats_random,
       (SELECT value FROM candidate_rows WHERE policy = 'greedy:slot1' AND estimator = 'snips') > 0.6 AS greedy_slot1_mostly_a,
       (SELECT bool_and(ci_low <= value AND value <= ci_high) FROM candidate_rows
         WHERE policy LIKE 'greedy:%' OR policy LIKE 'uniform:%') AS in_intervals;

-- pz_optimize names its candidates by position and reads no slot rows: it
-- replays a log with slots as any other.
SELECT count(*) AS optimize_rows
  FROM pz_optimize('carousel_eval', grid => '[{"exploration": 0}, {"exploration": 1}]');

SELECT pz_drop_loop('carousel_eval');
