#!/usr/bin/env bash
# Sets up and runs every test: unit tests (ctest), then pg_regress and the
# integration tests against a throwaway cluster with pz preloaded. Run as root
# on Debian 12; exits non-zero if anything fails.
#
# While developing, PZ_SUITES picks suites (default: all), e.g.
#   PZ_SUITES="regress cluster:upgrade" bash tools/test.sh
# names: unit fuzz regress integration cluster:<name of tests/cluster/*.sh>;
# PZ_REGRESS picks regression files (e.g. "00_setup 03_rank"); PZ_SKIP_BUILD=1
# tests the build already installed (the private_checkout scenario does, in a
# clone of the same commit).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_packages
[[ -n "${PZ_SKIP_BUILD:-}" ]] || build_all

passed=0
failed=0
wanted() {  # suite name: is it selected by PZ_SUITES?
  [[ -z "${PZ_SUITES:-}" || " $PZ_SUITES " == *" $1 "* ]]
}
record() {  # name, exit status
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); echo "ok: $1"
  else failed=$((failed + 1)); echo "FAILED: $1"; fi
}

if wanted unit; then
  log "unit tests (ctest)"
  status=0
  ctest --test-dir "$PZ_ROOT/build" --output-on-failure -LE integration || status=$?
  record "unit tests" $status
fi

if wanted fuzz; then
  log "fuzzing (libFuzzer, AddressSanitizer)"
  status=0
  bash "$PZ_ROOT/tools/fuzz.sh" "${PZ_FUZZ_SECONDS:-30}" || status=$?
  record "fuzzing" $status
fi

trap stop_cluster EXIT
start_cluster "pz.naptime = 1"
if wanted regress; then
  log "regression tests (pg_regress) on port $PGPORT"
  outdir="$PZ_CLUSTER_DIR/regress"
  runuser -u postgres -- mkdir "$outdir"
  tests=${PZ_REGRESS:-$(cd "$PZ_ROOT/sql" && ls [0-9]*_*.sql | sed 's/\.sql$//')}
  status=0
  inputdir=$(postgres_readable_copy sql expected tests/data)
  runuser -u postgres -- "$PG_HOME/lib/pgxs/src/test/regress/pg_regress" \
    --inputdir="$inputdir" --outputdir="$outdir" --bindir="$PG_BIN" \
    --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=pz_regression \
    --load-extension=pz $tests || status=$?
  if [[ $status -ne 0 && -f "$outdir/regression.diffs" ]]; then cat "$outdir/regression.diffs"; fi
  # Kept for reading (and for accepting a deliberate change to expected/).
  rm -rf "$PZ_ROOT/build/regress" && mkdir -p "$PZ_ROOT/build" && cp -r "$outdir" "$PZ_ROOT/build/regress"
  record "regression tests" $status
fi

if wanted integration; then
  log "integration tests (libpqxx) on port $PGPORT"
  status=0
  PZ_TEST_HOST=$PGHOST PZ_TEST_PORT=$PGPORT PZ_SERVER_LOG="$PZ_CLUSTER_DIR/server.log" \
    ctest --test-dir "$PZ_ROOT/build" --output-on-failure -L integration || status=$?
  record "integration tests" $status
fi

# Whole-server scenarios; crash restarts the server, so it runs last.
export PZ_SERVER_LOG="$PZ_CLUSTER_DIR/server.log" PZ_CLUSTER_DIR PG_BIN PG_HOME PG_CONFIG
for scenario in dump_restore upgrade concurrency concurrency_buffered worker_robustness retention auto_optimize changing_shop forget lock_order action_gc \
    model_memory buffered replicas carousel private_checkout crash crash_buffered; do
  wanted "cluster:$scenario" || continue
  log "cluster test: $scenario"
  status=0
  bash "$PZ_ROOT/tests/cluster/$scenario.sh" || status=$?
  record "cluster test $scenario" $status
done

echo
echo "suites: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
