# Sourced by the cluster tests: each runs against the throwaway cluster that
# tools/test.sh started (PGHOST, PGPORT, PGUSER set) and fails loudly.
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"

fail() { echo "FAIL: $*" >&2; exit 1; }

# psql, unaligned and quiet, stopping at the first error.
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }

expect_equal() {  # what, expected, actual
  [[ "$2" == "$3" ]] || fail "$1: expected '$2', got '$3'"
  echo "ok: $1 = $3"
}

# Waits up to $1 seconds for the SQL in $3 (database $2) to return 't'.
wait_for() {
  local seconds=$1 database=$2 query=$3
  for ((i = 0; i < seconds * 4; i++)); do
    [[ "$(q -d "$database" -c "$query" 2>/dev/null || true)" == "t" ]] && return 0
    sleep 0.25
  done
  fail "timed out after ${seconds}s waiting for: $query"
}

# Waits up to $2 seconds (database $1) until the current model of every loop
# whose name is LIKE $3 has learned each of its joined events once, and each
# shown slot of an event ranked with slots once: its examples count them all.
wait_learned_once() {
  wait_for "$2" "$1" "SELECT bool_and(m.examples = (SELECT sum(coalesce(cardinality(e.slot_probabilities), 1))
                                                    FROM pz.events e WHERE e.loop_id = l.loop_id
                                                     AND e.outcome IN ('rewarded', 'defaulted')))
                        FROM pz.loops l JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version
                       WHERE l.name LIKE '$3'"
}

fresh_database() {
  q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
  q -d postgres -c "CREATE DATABASE $1"
  q -d "$1" -c "CREATE EXTENSION pz"
}
