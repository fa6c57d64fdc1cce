#!/usr/bin/env bash
# The first command to run: builds pz, starts a throwaway cluster with pz
# preloaded (its background worker trains), and runs a simulated shop against
# it with pz-sim. Prints how the reward climbs from random towards the best
# possible, overall and per persona, writes the learning curve to
# build/pz-demo.png, and ends by writing the loop's report (tools/pz-report)
# to build/pz-report.html. Run as root on Debian 12 (installs what is missing).
#
# Environment: PZ_DEMO_VISITS (default 20000), PZ_DEMO_RATE visits/s (default 160).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

visits=${PZ_DEMO_VISITS:-20000}
rate=${PZ_DEMO_RATE:-160}
chart="$PZ_ROOT/build/pz-demo.png"
report="$PZ_ROOT/build/pz-report.html"

ensure_packages
build_all

trap stop_cluster EXIT
# The worker looks for due loops every second.
start_cluster "pz.naptime = 1"
log "demo cluster on port $PGPORT"
psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pz;
-- Clicks come back within a second; the model is retrained every two seconds.
SELECT name FROM pz_create_loop('shop', '{"reward_wait": "2 seconds", "model_update": "2 seconds",
                                          "exploration": 0.2}') \g /dev/null
SQL

log "simulating $visits visits at $rate/s"
"$PZ_ROOT/build/tools/pz-sim" --visits "$visits" --rate "$rate" --connections 2 --seed 7 --chart "$chart"

log "the loop after the run"
psql -X -c "SELECT loop, model_version, examples, events, joined, rewards, late_rewards FROM pz.loop_status"
log "what the decision log says (pz_evaluate: SNIPS estimates with 95% intervals)"
psql -X -c "SELECT policy, round(value::numeric, 3) AS value, round(ci_low::numeric, 3) AS ci_low,
                   round(ci_high::numeric, 3) AS ci_high, events
              FROM pz_evaluate('shop') WHERE estimator IN ('average', 'snips')"
log "the loop's report (tools/pz-report)"
"$PZ_ROOT/tools/pz-report" --by visitor.device --by history.orders --by time shop "$report"
echo "chart: $chart"
echo "report: $report (open it in a browser)"
