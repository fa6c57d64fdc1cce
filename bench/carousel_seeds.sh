#!/usr/bin/env bash
# Issue 13's carousel target across shops, in one command:
#   bash bench/carousel_seeds.sh
# Runs tests/cluster/carousel.sh (pz-sim's three-item carousel: the page of a
# loop with options.slots = 3 against the page of a one-slot loop whose
# positions 2-3 follow the scores, paired over the same 3,000 visits) once per
# seed; each seed is another shop (catalog, personas, visitors). One run's
# interval counts only the noise of its pages, while two runs of one seed
# already differ by up to 0.1 a page (each loop's learning path), so the
# verdict takes the shops as the units: the mean of the per-seed gains and
# its Student-t 95% interval, which must lie above 0. Single shops that lose
# are listed. Its own throwaway cluster; about half a minute a seed on 2 cores.
#
# Environment:
#   PZ_CAROUSEL_SEEDS="1 2 ..."  the seeds (default 1 to 24)
#   PZ_BENCH_SKIP_BUILD=1        use the pz already installed
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"

build_for_benchmark
trap stop_cluster EXIT
start_cluster "pz.naptime = 1"  # as tools/test.sh runs the scenario
export PZ_SERVER_LOG="$PZ_CLUSTER_DIR/server.log" PZ_CLUSTER_DIR PG_BIN PG_HOME PG_CONFIG

seeds=${PZ_CAROUSEL_SEEDS:-$(seq -s " " 1 24)}
gains=()
printf '%-6s %-10s %-14s %-8s %s\n' seed slots score-filled gain "95% interval (this run's pages)"
for seed in $seeds; do
  line=$(PZ_CAROUSEL_SEED=$seed bash "$PZ_ROOT/tests/cluster/carousel.sh" 2>&1 | grep '^all visits: ') ||
    { echo "seed $seed: the carousel scenario failed" >&2; exit 1; }
  # "all visits: slots S, score-filled F, gain G [L, H] over P pages"
  read -r slots filled gain low high <<<"$(echo "$line" |
    sed -E 's/^all visits: slots ([^,]+), score-filled ([^,]+), gain ([^ ]+) \[([^,]+), ([^]]+)\].*/\1 \2 \3 \4 \5/')"
  printf '%-6s %-10s %-14s %-8s [%s, %s]\n' "$seed" "$slots" "$filled" "$gain" "$low" "$high"
  gains+=("$gain")
done

printf '%s\n' "${gains[@]}" | awk '
  # Student t, 0.975 quantile, by degrees of freedom (1.96 beyond 30).
  function t975(df) {
    split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13 2.12 2.11 2.10 2.09 2.09 2.08 2.07 2.07 2.06 2.06 2.06 2.05 2.05 2.05 2.04", t, " ")
    return df <= 30 ? t[df] : 1.96
  }
  { g[NR] = $1; sum += $1; if ($1 < 0) losing++ }
  END {
    n = NR; mean = sum / n
    for (i = 1; i <= n; i++) ss += (g[i] - mean) ^ 2
    if (n < 2) { print "carousel across shops: need at least 2 seeds"; exit 1 }
    se = sqrt(ss / (n - 1) / n); half = t975(n - 1) * se
    printf "\ncarousel across %d shops: mean gain of the page with slots %+.3f expected clicks a page, 95%% interval [%+.3f, %+.3f]; %d shop(s) with a negative gain\n", n, mean, mean - half, mean + half, losing
    if (mean - half > 0) { print "target met: across shops the page with slots earns more than the score-filled page"; exit 0 }
    print "target NOT met: the interval reaches 0"; exit 1
  }'
