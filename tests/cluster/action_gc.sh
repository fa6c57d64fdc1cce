#!/usr/bin/env bash
# Collecting action documents under load (see src/pg/action_store.hpp): 4
# pgbench clients rank, each call with 3 actions drawn from 600, in a loop
# whose retention deletes every event about a second after it is joined, so
# documents keep becoming unreferenced and collected while backends that
# remember them as stored keep referencing them. Half the clients log
# transactionally, half through the buffered queue. Throughout and at the
# end, no event may reference a missing document. Worker's database.
# Usage: action_gc.sh [seconds of load, default 20].
source "$(dirname "$0")/common.sh"
seconds=${1:-20}
db=postgres
work=$(mktemp -d)
trap 'kill "$sampler" 2>/dev/null || true; rm -rf "$work"' EXIT
chmod 777 "$work"

q -d $db -c "CREATE EXTENSION IF NOT EXISTS pz"
for loop in gc_tx gc_buffered; do
  q -d $db -c "SELECT pz_drop_loop(name) FROM pz.loops WHERE name = '$loop'" >/dev/null
done
q -d $db -c "SELECT pz_create_loop('gc_tx', '{\"reward_wait\": \"0 seconds\", \"model_update\": \"1 second\",
                                             \"retention\": \"1 second\"}')" >/dev/null
q -d $db -c "SELECT pz_create_loop('gc_buffered', '{\"reward_wait\": \"0 seconds\", \"model_update\": \"1 second\",
                                                   \"retention\": \"1 second\", \"logging\": \"buffered\"}')" >/dev/null

for loop in gc_tx gc_buffered; do
  cat >"$work/$loop.sql" <<SQL
\set a random(1, 600)
\set b random(1, 600)
SELECT count(*) FROM pz_rank('$loop', '{}',
  jsonb_build_array(jsonb_build_object('id', 'i' || :a, 'features', jsonb_build_object('n', :a)),
                    jsonb_build_object('id', 'j' || :b, 'features', jsonb_build_object('n', :b)),
                    'k' || ((:a + :b) % 600)));
SQL
done

dangling="SELECT count(*) FROM pz.decisions AS d, unnest(pz.candidate_numbers(d.candidates)) AS h
           WHERE NOT EXISTS (SELECT FROM pz.actions AS a WHERE a.loop_id = d.loop_id AND a.action_number = h)"
sample() {
  while :; do
    q -d $db -c "$dangling" || true
    sleep 0.5
  done
}
sample >"$work/samples" &
sampler=$!

loaders=()
for loop in gc_tx gc_buffered; do
  runuser -u postgres -- pgbench -h "$PGHOST" -p "$PGPORT" -n -c 2 -j 1 -R 150 -T "$seconds" \
    -f "$work/$loop.sql" $db >"$work/$loop.out" 2>&1 &
  loaders+=($!)
done
for pid in "${loaders[@]}"; do wait "$pid" || true; done
for loop in gc_tx gc_buffered; do
  grep -qE "number of failed transactions: 0" "$work/$loop.out" || { cat "$work/$loop.out"; fail "pgbench on $loop reported errors"; }
done
kill "$sampler"
samples=$(wc -l <"$work/samples")
[[ $samples -gt 10 ]] || fail "too few samples ($samples)"
expect_equal "samples during the load with an event referencing a missing document" 0 \
  "$(grep -cv '^0$' "$work/samples" || true)"

# The scenario must really collect documents: once the worker has learned
# and deleted every event (it may still be busy with the loops of earlier
# scenarios), none may be left.
in_loops="loop_id IN (SELECT loop_id FROM pz.loops WHERE name IN ('gc_tx', 'gc_buffered'))"
for ((i = 0; i < 180; i++)); do
  [[ "$(q -d $db -c "SELECT count(*) = 0 FROM pz.events WHERE $in_loops")" == t ]] && break
  sleep 1
done
expect_equal "events left (pending) after 180 s" "0 (0)" \
  "$(q -d $db -c "SELECT count(*) || ' (' || count(*) FILTER (WHERE joined_at IS NULL) || ')' FROM pz.events WHERE $in_loops")"
expect_equal "events referencing a missing document at the end" 0 "$(q -d $db -c "$dangling")"
left=$(q -d $db -c "SELECT count(*) FROM pz.actions WHERE $in_loops")
echo "documents left once every event is gone: $left (of up to 3,600 used)"
[[ $left -lt 3000 ]] || fail "retention collected too few documents ($left left)"
for loop in gc_tx gc_buffered; do q -d $db -c "SELECT pz_drop_loop('$loop')" >/dev/null; done
echo "action_gc: ok"
