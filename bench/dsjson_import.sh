# Part h of bench/run.sh (sourced there, after lib.sh, with a cluster running):
# importing a DSJSON file of $dsjson_lines synthetic decisions (10 actions,
# about 1 KB a line, 30% clicked) with pz-dsjson, in one transaction. Every
# line offers the same 10 actions unless PZ_BENCH_DSJSON_CATALOG=M: then each
# line offers 10 items drawn from a catalog of M. Sets
# result[dsjson_rate] (lines/s, wall clock), result[dsjson_cpu] (server CPU
# µs per line) and dsjson_summary.
#
# Standalone: bash bench/dsjson_import.sh (builds nothing; starts its own cluster).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  source "$(dirname "$0")/../tools/lib.sh"
  declare -A result
  trap stop_cluster EXIT
  start_cluster "shared_buffers = 1GB" "max_wal_size = 8GB" "checkpoint_timeout = 30min"
  psql -X -q -c "CREATE EXTENSION pz" -c "ALTER SYSTEM SET pz.worker_enabled = off" -c "SELECT pg_reload_conf()" >/dev/null
  work="$PZ_CLUSTER_DIR/bench"
  mkdir -p "$work"
  standalone=1
fi

dsjson_lines=${PZ_BENCH_DSJSON_LINES:-1000000}
dsjson_catalog=${PZ_BENCH_DSJSON_CATALOG:-0}
log "h. DSJSON import: generating $dsjson_lines lines (catalog $dsjson_catalog: 0 = the same actions on every line)"
"$PZ_ROOT/build/tools/pz-dsjson" generate "$dsjson_lines" "$work/decisions.dsjson" --catalog "$dsjson_catalog"
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT name FROM pz_create_loop('dsjson_import')" >/dev/null
log "h. DSJSON import: pz-dsjson import ($(du -h "$work/decisions.dsjson" | cut -f1))"
dsjson_out=$("$PZ_ROOT/build/tools/pz-dsjson" import dsjson_import "$work/decisions.dsjson")
echo "$dsjson_out"
result[dsjson_rate]=$(sed -n 's/.*"lines_per_second":\([0-9.]*\).*/\1/p' <<<"$dsjson_out" | cut -d. -f1)
dsjson_cpu_s=$(sed -n 's/.*"server_cpu_seconds":\([0-9.]*\).*/\1/p' <<<"$dsjson_out")
result[dsjson_cpu]=$(awk "BEGIN { printf \"%.1f\", ${dsjson_cpu_s:-0} * 1e6 / $dsjson_lines }")
dsjson_seconds=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' <<<"$dsjson_out")
dsjson_summary="$dsjson_lines lines in $(printf '%.1f' "$dsjson_seconds") s; the server backend used ${dsjson_cpu_s:-?} s of CPU"
imported=$(psql -X -A -t -c "SELECT count(*) FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_import'")
[[ "$imported" == "$dsjson_lines" ]] || { echo "imported $imported events, expected $dsjson_lines" >&2; exit 1; }
rm -f "$work/decisions.dsjson"

if [[ -n "${standalone:-}" ]]; then
  echo "h. DSJSON import: ${result[dsjson_rate]} lines/s (target >= 50,000), ${result[dsjson_cpu]} µs of server CPU a line; $dsjson_summary"
fi
