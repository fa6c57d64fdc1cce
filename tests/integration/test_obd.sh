#!/usr/bin/env bash
# Real-data check of the off-policy estimators (issue 7): for both campaigns of
# the Open Bandit Dataset sample, pz_evaluate's estimate of the uniform-random
# policy from the Thompson sampling log must agree with the click rate the
# random log actually obtained, within their combined 95% interval
# |estimate - truth| <= 1.96 sqrt(se_estimate^2 + se_truth^2)
# (both carry sampling error: ~50 clicks a file). Checked for IPS, SNIPS and
# DR at the default clipping (max_weight 100); the same estimates without
# clipping and with max_weight 10 are printed to show what clipping does.
#
# Needs a server with pz installed: PZ_TEST_HOST, PZ_TEST_PORT (as tools/test.sh
# sets them). Data: ../shared/data/obd relative to the repository root, or
# PZ_OBD_DATA. Exits 77 (skipped) without a server or without the data.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${PZ_OBD_DATA:-$root/../shared/data/obd}
if [[ -z ${PZ_TEST_HOST:-} || -z ${PZ_TEST_PORT:-} ]]; then
  echo "PZ_TEST_HOST and PZ_TEST_PORT are not set: skipped"; exit 77
fi
if [[ ! -d $data/bts/men ]]; then
  echo "no Open Bandit data at $data: skipped"; exit 77
fi

export PGHOST=$PZ_TEST_HOST PGPORT=$PZ_TEST_PORT PGUSER=${PZ_TEST_USER:-postgres} PGOPTIONS="-c client_min_messages=warning"
database=pz_obd_test
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $database" \
  -c "CREATE DATABASE $database"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$database
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pz"

for campaign in men women; do
  for policy in bts random; do
    "$root/tools/load_obd.sh" "$campaign" "$policy" "obd_${campaign}_${policy}" "$data"
  done
done

psql -X -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE comparison AS
WITH truth AS (
    SELECT c.campaign, e.value, (e.ci_high - e.ci_low) / (2 * 1.959963984540054) AS se
      FROM unnest(ARRAY['men', 'women']) AS c(campaign),
           pz_evaluate('obd_' || c.campaign || '_random') AS e
     WHERE e.policy = 'online'),
estimate AS (
    SELECT c.campaign, w.max_weight, e.estimator, e.value, e.ci_low, e.ci_high,
           (e.ci_high - e.ci_low) / (2 * 1.959963984540054) AS se
      FROM unnest(ARRAY['men', 'women']) AS c(campaign),
           unnest(ARRAY[100, 10, 'Infinity']::float8[]) AS w(max_weight),
           pz_evaluate('obd_' || c.campaign || '_bts', max_weight => w.max_weight) AS e
     WHERE e.policy = 'random')
SELECT s.campaign, s.max_weight, s.estimator,
       round(s.value::numeric, 5) AS estimate,
       round(s.ci_low::numeric, 5) AS ci_low, round(s.ci_high::numeric, 5) AS ci_high,
       round(t.value::numeric, 5) AS truth,
       round((t.value - 1.959963984540054 * t.se)::numeric, 5) AS truth_low,
       round((t.value + 1.959963984540054 * t.se)::numeric, 5) AS truth_high,
       round(((s.value - t.value) / t.value)::numeric, 3) AS relative_error,
       round(((s.value - t.value) / sqrt(s.se ^ 2 + t.se ^ 2))::numeric, 2) AS z,
       abs(s.value - t.value) <= 1.959963984540054 * sqrt(s.se ^ 2 + t.se ^ 2) AS agrees
  FROM estimate AS s JOIN truth AS t USING (campaign);

SELECT * FROM comparison ORDER BY campaign, max_weight DESC, estimator;

DO $$
DECLARE
    failures text;
BEGIN
    SELECT string_agg(format('%s %s (estimate %s, truth %s, z %s)', campaign, estimator, estimate, truth, z), '; ')
      INTO failures FROM comparison WHERE max_weight = 100 AND NOT agrees;
    IF failures IS NOT NULL THEN
        RAISE EXCEPTION 'off-policy estimates disagree with the random log: %', failures;
    END IF;
    IF (SELECT count(*) FROM comparison WHERE max_weight = 100) <> 6 THEN
        RAISE EXCEPTION 'expected 6 estimates at the default clipping';
    END IF;
END
$$;
SQL
echo "ok: the random policy's value estimated from the Thompson sampling logs agrees with the random logs"

# Per position (issue 13). The sample's rows are single (impression, position)
# pairs, not whole pages (the three positions of one page are not linked), so
# the positions cannot be loaded as the slots of one event; each position's
# rows are loaded as a loop of their own. Their propensity is the item's
# marginal probability at that position, and the random policy's is 1/items
# at every position: the IPS of a position's loop is the per-position
# estimate. About 17 clicks a position and file, so the intervals are wide.
for campaign in men women; do
  for policy in bts random; do
    for position in 1 2 3; do
      PZ_OBD_POSITION=$position "$root/tools/load_obd.sh" "$campaign" "$policy" \
        "obd_${campaign}_${policy}_p$position" "$data" >/dev/null
    done
  done
done
psql -X -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE by_position AS
WITH truth AS (
    SELECT c.campaign, p.position, e.value, (e.ci_high - e.ci_low) / (2 * 1.959963984540054) AS se
      FROM unnest(ARRAY['men', 'women']) AS c(campaign), generate_series(1, 3) AS p(position),
           pz_evaluate(format('obd_%s_random_p%s', c.campaign, p.position)) AS e
     WHERE e.policy = 'online'),
estimate AS (
    SELECT c.campaign, p.position, e.estimator, e.value, e.ci_low, e.ci_high,
           (e.ci_high - e.ci_low) / (2 * 1.959963984540054) AS se
      FROM unnest(ARRAY['men', 'women']) AS c(campaign), generate_series(1, 3) AS p(position),
           pz_evaluate(format('obd_%s_bts_p%s', c.campaign, p.position)) AS e
     WHERE e.policy = 'random')
SELECT s.campaign, s.position, s.estimator,
       round(s.value::numeric, 5) AS estimate,
       round(s.ci_low::numeric, 5) AS ci_low, round(s.ci_high::numeric, 5) AS ci_high,
       round(t.value::numeric, 5) AS truth,
       round(((s.value - t.value) / nullif(sqrt(s.se ^ 2 + t.se ^ 2), 0))::numeric, 2) AS z,
       abs(s.value - t.value) <= 1.959963984540054 * sqrt(s.se ^ 2 + t.se ^ 2) AS agrees
  FROM estimate AS s JOIN truth AS t USING (campaign, position);
SELECT * FROM by_position ORDER BY campaign, position, estimator;

-- Positions 1 and 3 agree (12 comparisons). Position 2 does not, in both
-- campaigns, for every estimator (the estimate is about a third of the random
-- log's rate; README, "Checked on real data"): reported, not hidden.
DO $$
BEGIN
    IF (SELECT count(*) FROM by_position) <> 18 THEN
        RAISE EXCEPTION 'expected 18 estimates per position';
    END IF;
    IF (SELECT count(*) FILTER (WHERE NOT agrees) FROM by_position WHERE position <> 2) > 0 THEN
        RAISE EXCEPTION 'per-position estimates disagree with the random log: %',
            (SELECT string_agg(format('%s position %s %s (z %s)', campaign, position, estimator, z), '; ')
               FROM by_position WHERE NOT agrees AND position <> 2);
    END IF;
    RAISE NOTICE 'position 2: % of 6 estimates agree with the random log',
        (SELECT count(*) FILTER (WHERE agrees) FROM by_position WHERE position = 2);
END
$$;

-- Where position 2's gap comes from (printed, not asserted; README, "Per
-- position"). Per position: the items the Thompson-sampling log showed there
-- less than a quarter as often as a uniform policy would ("rare"), and the
-- others. For each part, the random log's click rate on it (truth) and the
-- IPS estimate from the Thompson-sampling log; and whether the logged
-- propensities match how often each item was shown (median over items of
-- sum(1 / propensity) / rows: 1 when they do).
WITH bts AS (
    SELECT c.campaign, p.position, e.chosen_action AS item, e.reward, e.probabilities[1] AS propensity,
           count(*) OVER (PARTITION BY c.campaign, p.position) AS rows_at,
           count(*) OVER (PARTITION BY c.campaign, p.position, e.chosen_action) AS shown,
           cardinality(e.ranking) AS items
      FROM unnest(ARRAY['men', 'women']) AS c(campaign) CROSS JOIN generate_series(1, 3) AS p(position)
      JOIN pz.loops l ON l.name = format('obd_%s_bts_p%s', c.campaign, p.position)
      JOIN pz.events e ON e.loop_id = l.loop_id),
rare AS (
    SELECT DISTINCT campaign, position, item FROM bts WHERE shown < rows_at::float8 / items / 4),
random_log AS (
    SELECT c.campaign, p.position, e.chosen_action AS item, e.reward,
           count(*) OVER (PARTITION BY c.campaign, p.position) AS rows_at
      FROM unnest(ARRAY['men', 'women']) AS c(campaign) CROSS JOIN generate_series(1, 3) AS p(position)
      JOIN pz.loops l ON l.name = format('obd_%s_random_p%s', c.campaign, p.position)
      JOIN pz.events e ON e.loop_id = l.loop_id),
items_seen AS (
    SELECT campaign, position, item, sum(1 / propensity) / min(rows_at) AS coverage FROM bts GROUP BY 1, 2, 3)
SELECT b.campaign, b.position,
       (SELECT count(*) FROM rare r WHERE (r.campaign, r.position) = (b.campaign, b.position)) || '/' || min(b.items)
         AS rare_items,
       round((SELECT sum(x.reward) / min(x.rows_at) FROM random_log x
               WHERE (x.campaign, x.position) = (b.campaign, b.position)
                 AND EXISTS (SELECT FROM rare r WHERE (r.campaign, r.position, r.item) = (x.campaign, x.position, x.item)))::numeric, 5)
         AS truth_rare,
       round((sum(b.reward / b.items / b.propensity) FILTER (WHERE r.item IS NOT NULL) / min(b.rows_at))::numeric, 5) AS ips_rare,
       sum(b.reward) FILTER (WHERE r.item IS NOT NULL) || ' in ' || count(*) FILTER (WHERE r.item IS NOT NULL) AS bts_clicks_rare,
       round((SELECT sum(x.reward) / min(x.rows_at) FROM random_log x
               WHERE (x.campaign, x.position) = (b.campaign, b.position)
                 AND NOT EXISTS (SELECT FROM rare r WHERE (r.campaign, r.position, r.item) = (x.campaign, x.position, x.item)))::numeric, 5)
         AS truth_others,
       round((sum(b.reward / b.items / b.propensity) FILTER (WHERE r.item IS NULL) / min(b.rows_at))::numeric, 5) AS ips_others,
       round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.coverage) FROM items_seen s WHERE (s.campaign, s.position) = (b.campaign, b.position))::numeric, 2)
         AS propensity_check
  FROM bts b LEFT JOIN rare r USING (campaign, position, item)
 GROUP BY b.campaign, b.position ORDER BY b.campaign, b.position;
SQL
echo "ok: per position, the random policy's value estimated from the Thompson sampling logs agrees with the random logs at positions 1 and 3"
