#!/usr/bin/env bash
# One model per server: 50 connections rank on a bits-24 loop at once and
# pz.model_cache shows one shared copy; a new version trained meanwhile
# replaces it without a restart and the old segment is freed; kill -9 of a
# backend that maps it leaves no segment behind after the crash restart; and
# without preloading each backend keeps its own copy (the fallback), scoring
# the same. Prints the shared bytes and the backends' memory (RSS and PSS from
# /proc/<pid>/smaps_rollup) in both modes. Usage: model_memory.sh [clients, default 50]
source "$(dirname "$0")/common.sh"
clients=${1:-50}
fallback_clients=10
db=pz_model_memory
bits=24
segment_bytes=$((4 << bits))
work=$(mktemp -d)
chmod 777 "$work"
bench_pid=
cleanup() {
  [[ -z "$bench_pid" ]] || kill "$bench_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

pg_ctl_as_postgres() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PZ_CLUSTER_DIR/data" "$@" >/dev/null; }
wait_for_server() {
  for ((i = 0; i < 240; i++)); do
    q -d postgres -c "SELECT 1" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  fail "the server did not come back"
}
# Model segments of this size in /dev/shm (what PostgreSQL's posix dynamic
# shared memory creates; nothing else in the test server is this large).
model_segments() {
  find /dev/shm -maxdepth 1 -name 'PostgreSQL.*' -size "${segment_bytes}c" 2>/dev/null | wc -l
}
# Sum of RSS and of PSS (kB) of the backends with this application_name.
backend_memory() {
  local rss=0 pss=0 pid
  for pid in $(q -d $db -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'"); do
    read -r r p < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r, p }' "/proc/$pid/smaps_rollup")
    rss=$((rss + r)); pss=$((pss + p))
  done
  echo "$rss $pss"
}
start_ranking() {  # clients, application_name, seconds
  PGAPPNAME=$2 pgbench -n -c "$1" -j 2 -T "$3" -f "$work/rank.sql" $db >"$work/pgbench.$2" 2>&1 &
  bench_pid=$!
}
scores() {  # the scores of one fixed ranking, to compare copies
  q -d $db -c "SELECT string_agg(action_id || '=' || round(score::numeric, 6), ',' ORDER BY action_id)
                 FROM pz_rank('memory', '{\"user\": {\"segment\": \"s1\"}}', '[\"a\", \"b\", \"c\", \"d\"]', '{\"learn\": false}')"
}
train_version() {  # ranks and rewards 200 events, then trains: a new version
  q -d $db -c "SELECT count(pz_reward(r.event_id, CASE WHEN r.action_id = 'a' THEN 1 ELSE 0 END))
                 FROM generate_series(1, 200) AS g,
                      LATERAL pz_rank('memory', jsonb_build_object('user', jsonb_build_object('segment', 's' || g % 5)),
                                      '[\"a\", \"b\", \"c\", \"d\"]') AS r WHERE r.rank = 1" >/dev/null
  q -d $db -c "SELECT pz_train('memory') ->> 'model_version'"
}
cache_rows="SELECT string_agg(format('v%s shared=%s backends=%s bytes=%s', model_version, shared, backends, bytes), '; '
                              ORDER BY model_version)
              FROM pz.model_cache WHERE loop = 'memory'"

fresh_database $db
q -d $db -c "SELECT pz_create_loop('memory', '{\"bits\": $bits, \"reward_wait\": \"0 seconds\"}')" >/dev/null
expect_equal "first model version" 1 "$(train_version)"
cat >"$work/rank.sql" <<'SQL'
\set segment random(1, 20)
SELECT count(*) FROM pz_rank('memory', jsonb_build_object('user', jsonb_build_object('segment', 's' || :segment)),
                             '["a", "b", "c", "d"]', '{"learn": false}');
SQL
segments_before=$(model_segments)
log_lines_before=$(wc -l <"$PZ_SERVER_LOG")

# 1. Many connections rank at once: one copy.
start_ranking "$clients" pz_memory 40
wait_for 30 $db "SELECT count(*) = 1 AND min(backends) = $clients FROM pz.model_cache WHERE loop = 'memory'"
expect_equal "copies while $clients connections rank" "v1 shared=t backends=$clients bytes=$segment_bytes" \
  "$(q -d $db -c "$cache_rows")"
expect_equal "model segments in /dev/shm" $((segments_before + 1)) "$(model_segments)"
read -r shared_rss shared_pss < <(backend_memory pz_memory)
echo "figure: $clients backends ranking with one shared bits-$bits copy of $((segment_bytes / 1048576)) MiB:" \
  "RSS $((shared_rss / 1024)) MiB, PSS $((shared_pss / 1024)) MiB in total ($((shared_pss / clients)) kB PSS each)"

# 2. A new version while they rank: all switch to it, the old copy is freed.
expect_equal "second model version" 2 "$(train_version)"
wait_for 30 $db "SELECT string_agg(model_version::text || ':' || backends, ',') = '2:$clients'
                   FROM pz.model_cache WHERE loop = 'memory'"
expect_equal "copies after the new version" "v2 shared=t backends=$clients bytes=$segment_bytes" \
  "$(q -d $db -c "$cache_rows")"
expect_equal "model segments in /dev/shm after the switch" $((segments_before + 1)) "$(model_segments)"
shared_scores=$(scores)
wait "$bench_pid" || { cat "$work/pgbench.pz_memory"; fail "pgbench reported errors"; }
bench_pid=
grep -E "^(number of transactions actually processed|tps)" "$work/pgbench.pz_memory"
# Once the last backend that used it is gone, so is the copy.
wait_for 10 $db "SELECT count(*) = 0 FROM pz.model_cache WHERE loop = 'memory'"
expect_equal "model segments in /dev/shm once nobody ranks" "$segments_before" "$(model_segments)"

# 2b. A backend that stopped ranking a loop lets a replaced (or dropped)
# version go at its next rank call on any loop, not only on that one.
q -d $db -c "SELECT pz_create_loop('other', '{\"bits\": 10}')" >/dev/null
coproc idle { psql -X -A -t -q -d $db; }
in_idle() {
  echo "$1" >&"${idle[1]}"
  read -r -t 30 -u "${idle[0]}" reply || fail "no answer in the idle session to: $1"
}
in_idle "SELECT count(*) FROM pz_rank('memory', '{}', '[\"a\"]', '{\"learn\": false}');"
expect_equal "copies while a session is idle" "v2 shared=t backends=1 bytes=$segment_bytes" "$(q -d $db -c "$cache_rows")"
expect_equal "third model version" 3 "$(train_version)"
in_idle "SELECT count(*) FROM pz_rank('other', '{}', '[\"a\"]', '{\"learn\": false}');"
expect_equal "copies once the idle session ranked another loop" "" "$(q -d $db -c "$cache_rows")"
q -d $db -c "SELECT pz_drop_loop('other')" >/dev/null
expect_equal "copies of the dropped loop still used" 1 "$(q -d $db -c "SELECT count(*) FROM pz.model_cache WHERE loop IS NULL")"
in_idle "SELECT count(*) FROM pz_rank('memory', '{}', '[\"a\"]', '{\"learn\": false}');"
expect_equal "copies of the dropped loop after the next rank call" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.model_cache WHERE loop IS NULL")"
echo '\q' >&"${idle[1]}"
wait "$idle_PID" || true
shared_scores=$(scores)

# 3. kill -9 of a backend that maps the copy: the crash restart frees it.
start_ranking 4 pz_memory_crash 30
wait_for 30 $db "SELECT count(*) = 1 AND min(backends) = 4 FROM pz.model_cache WHERE loop = 'memory'"
victim=$(q -d $db -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pz_memory_crash' LIMIT 1")
kill -9 "$victim"
wait "$bench_pid" 2>/dev/null || true  # its connections are lost in the restart
bench_pid=
sleep 1
wait_for_server
expect_equal "copies after the crash restart" "" "$(q -d $db -c "$cache_rows")"
expect_equal "model segments in /dev/shm after the crash restart" "$segments_before" "$(model_segments)"
expect_equal "scores after the crash restart (reloaded copy)" "$shared_scores" "$(scores)"

# 4. Not preloaded: each backend keeps a private copy, which scores the same.
pg_ctl_as_postgres stop -m fast -w
pg_ctl_as_postgres start -w -l "$PZ_SERVER_LOG" -o "-c shared_preload_libraries=''"
wait_for_server
expect_equal "scores from a private copy" "$shared_scores" "$(scores)"
start_ranking "$fallback_clients" pz_memory_private 20
wait_for 30 $db "SELECT count(*) = $fallback_clients FROM pg_stat_activity WHERE application_name = 'pz_memory_private'"
sleep 3  # each has loaded its copy after its first call
read -r private_rss private_pss < <(backend_memory pz_memory_private)
echo "figure: $fallback_clients backends ranking without preloading (a private copy each):" \
  "RSS $((private_rss / 1024)) MiB, PSS $((private_pss / 1024)) MiB in total ($((private_pss / fallback_clients)) kB PSS each)"
expect_equal "the private copy as seen by its backend" "v3 shared=f backends=1" \
  "$(q -d $db -c "SELECT count(*) FROM pz_rank('memory', '{}', '[\"a\"]', '{\"learn\": false}')" \
        -c "SELECT format('v%s shared=%s backends=%s', model_version, shared, backends) FROM pz.model_cache WHERE loop = 'memory'" | tail -n 1)"
wait "$bench_pid" || { cat "$work/pgbench.pz_memory_private"; fail "pgbench reported errors without preloading"; }
bench_pid=
(( private_pss / fallback_clients > 4 * shared_pss / clients )) \
  || fail "a private copy per backend should take far more memory than the shared one"
pg_ctl_as_postgres stop -m fast -w
pg_ctl_as_postgres start -w -l "$PZ_SERVER_LOG"
wait_for_server

# (The crash restart itself logs warnings; these would mean a mishandled segment.)
if tail -n +"$log_lines_before" "$PZ_SERVER_LOG" | grep -E "PANIC|leak|shared memory segment|pz: "; then
  fail "the server log shows a problem with shared memory"
fi
q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
echo "model_memory: ok"
