#!/usr/bin/env bash
# Loads one log of the Open Bandit Dataset sample (data/obd, see its SOURCE.md)
# into a pz loop's decision log, so that pz_evaluate & co. can be run on it.
#
#   tools/load_obd.sh CAMPAIGN POLICY LOOP [DATA_DIR]
#     CAMPAIGN  men | women
#     POLICY    bts | random   (the logging policy: Thompson sampling or uniform)
#     LOOP      the pz loop to fill; dropped first if it exists
#     DATA_DIR  default: ../shared/data/obd relative to the repository root
# Connects with psql and the usual PG* environment variables; needs pz installed
# in that database. PZ_OBD_POSITION=1|2|3 loads that widget position's rows only.
#
# Each impression (one CSV row) becomes one joined event:
# - context: {"user": {"feature_0".."feature_3": hashed categories},
#             "affinity": {"item_<k>": user-item affinity, non-zero ones only
#                          (a zero feature adds nothing to a linear model)},
#             "position": "1" | "2" | "3"}   -- the widget slot, as a categorical
#   context feature (pz ranks one slot per event, so position is context);
# - actions: every item of the campaign (34 men, 46 women) in item_id order,
#   {"id": "<item_id>", "features": {"item": {"feature_0": number,
#   "feature_1".."feature_3": hashed categories}}};
# - ranking: the shown item first, then the others in item_id order;
# - probabilities: the logged propensity of the shown item first; the rest of
#   the mass spread uniformly over the other items, so the array is aligned
#   with ranking and sums to 1 (only probabilities[1] is used by evaluation
#   and learning; the split of the rest is not in the data);
# - reward: the click (0 or 1), outcome 'rewarded', joined at load time;
# - created_at: the impression's timestamp; event_id: md5(loop:row index).
set -euo pipefail

if [[ $# -lt 3 || $# -gt 4 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
campaign=$1
policy=$2
loop=$3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${4:-$root/../shared/data/obd}
case $campaign in men | women) ;; *) echo "campaign must be men or women" >&2; exit 2 ;; esac
case $policy in bts | random) ;; *) echo "policy must be bts or random" >&2; exit 2 ;; esac
impressions="$data/$policy/$campaign/$campaign.csv"
items="$data/$policy/$campaign/item_context.csv"
for file in "$impressions" "$items"; do
  [[ -r $file ]] || { echo "cannot read $file" >&2; exit 1; }
done

# \copy takes its file name literally (no psql variables): quote it here.
quoted() { printf "'%s'" "${1//\'/\'\'}"; }
{
  echo "BEGIN;"
  echo "-- Staging: one text line per CSV row (the fields hold no quotes nor commas)."
  echo "CREATE TEMP TABLE obd_impressions (line text) ON COMMIT DROP;"
  echo "CREATE TEMP TABLE obd_items (line text) ON COMMIT DROP;"
  echo "\\copy obd_impressions FROM $(quoted "$impressions")"
  echo "\\copy obd_items FROM $(quoted "$items")"
  cat <<'SQL'
\o /dev/null
SELECT pz_drop_loop(name) FROM pz.loops WHERE name = :'loop';
SELECT pz_create_loop(:'loop', '{"reward_wait": "0 seconds"}');
\o

WITH item AS (
    SELECT f[2]::int AS id,
           jsonb_build_object('id', f[2], 'features', jsonb_build_object('item', jsonb_build_object(
               'feature_0', f[3]::float8, 'feature_1', f[4], 'feature_2', f[5], 'feature_3', f[6]))) AS action
      FROM (SELECT string_to_array(line, ',') AS f FROM obd_items) AS s
     WHERE f[1] <> ''),
catalog AS (
    SELECT jsonb_agg(action ORDER BY id) AS actions, count(*)::int AS n FROM item),
impression AS (
    SELECT f FROM (SELECT string_to_array(line, ',') AS f FROM obd_impressions) AS s
     WHERE f[1] <> '' AND (:'position' = '' OR f[4] = :'position'))
INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking, probabilities, scores,
                       chosen_action, model_version, active, activated_at, baseline, joined_at, reward, outcome)
SELECT md5(:'loop' || ':' || i.f[1])::uuid,
       l.loop_id,
       i.f[2]::timestamptz,
       jsonb_build_object(
           'user', jsonb_build_object('feature_0', i.f[7], 'feature_1', i.f[8], 'feature_2', i.f[9], 'feature_3', i.f[10]),
           'affinity', (SELECT coalesce(jsonb_object_agg('item_' || (k - 11), i.f[k]::float8)
                                          FILTER (WHERE i.f[k]::float8 <> 0), '{}')
                          FROM generate_series(11, cardinality(i.f)) AS k),
           'position', i.f[4]),
       c.actions,
       ARRAY[i.f[3]] || ARRAY(SELECT it.id::text FROM item AS it WHERE it.id <> i.f[3]::int ORDER BY it.id),
       ARRAY[i.f[6]::float8] || array_fill((1 - i.f[6]::float8) / (c.n - 1), ARRAY[c.n - 1]),
       array_fill(0::float8, ARRAY[c.n]),
       i.f[3], 0, true, i.f[2]::timestamptz, NULL, now(), i.f[5]::float8, 'rewarded'
  FROM impression AS i, catalog AS c, pz.loops AS l
 WHERE l.name = :'loop';

\pset tuples_only on
SELECT format('loaded %s events into loop %s: %s clicks (CTR %s), %s actions each, smallest propensity %s',
              count(*), :'loop', sum(reward)::int, round(avg(reward)::numeric, 5),
              max(cardinality(ranking)), min(probabilities[1])) AS summary
  FROM pz.events WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = :'loop');
COMMIT;
SQL
} | psql -X -q -v ON_ERROR_STOP=1 -v loop="$loop" -v position="${PZ_OBD_POSITION:-}"
