#!/usr/bin/env bash
# Scale-out: a primary and two hot standbys streaming from it (clusters of
# their own, not tools/test.sh's). pgbench ranks and rewards on both standbys
# (logging = buffered) while a standby's logger and the primary's forwarding
# sessions are terminated; then every decision and reward acknowledged on a
# standby is on the primary exactly once, a model trained on the primary is
# used on the standbys within model_update plus the replay lag, a kill -9 of a
# standby's postmaster under load loses at most the buffered bound, a
# promoted standby trains and keeps ranking, counting nothing twice, and a
# standby cut off from its primary holds a bounded queue without waiting.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/replica_set.sh"
work=$(mktemp -d)
chmod 777 "$work"
clients=()
cleanup() {
  for pid in "${clients[@]}"; do kill "$pid" 2>/dev/null || true; done
  rs_stop
  rm -rf "$work"
}
trap cleanup EXIT

rs_start 2 "pz.naptime = 1"
rs_q 0 -c "SELECT pz_create_loop('shop', '{\"logging\": \"buffered\", \"reward_wait\": \"1 second\", \"model_update\": \"1 second\"}')" \
       -c "SELECT pz_create_loop('ledger', '{\"reward_wait\": \"1 second\"}')" >/dev/null
rs_wait_for 1 30 "SELECT count(*) = 2 FROM pz.loops"
rs_wait_for 2 30 "SELECT count(*) = 2 FROM pz.loops"
expect_equal "standby 1 is in recovery" t "$(rs_q 1 -c "SELECT pg_is_in_recovery()")"

# 1. Transactional logging cannot log on a standby: a clear error.
error=$(rs_q 1 -v VERBOSITY=verbose -c "SELECT * FROM pz_rank('ledger', '{}', '[\"a\"]')" 2>&1 || true)
[[ $error == *"ERROR:  25006: loop logging is transactional: a hot standby cannot log the decision"* ]] \
  || fail "transactional rank on a standby: $error"
echo "ok: a transactional rank on a standby fails with 25006 and a hint to use buffered"
error=$(rs_q 1 -v VERBOSITY=verbose -c "SELECT pz_reward('00000000-0000-4000-8000-000000000999', 1)" 2>&1 || true)
[[ $error == *"ERROR:  42704: event 00000000-0000-4000-8000-000000000999 does not exist"* ]] \
  || fail "reward of an unknown event on a standby: $error"
error=$(rs_q 1 -v VERBOSITY=verbose -c "SELECT pz_activate('00000000-0000-4000-8000-000000000999')" 2>&1 || true)
[[ $error == *"ERROR:  25006:"* ]] || fail "pz_activate on a standby: $error"
echo "ok: on a standby, a reward of an unknown event fails with 42704, pz_activate with 25006"

# 2. pgbench ranks and rewards on both standbys at once, while standby 1's
# logger is terminated (its successor resends what the primary committed but
# standby 1 has not replayed yet) and the primary's forwarding sessions too
# (a batch cut off is resent).
per_client=1500
for node in 1 2; do
  cat >"$work/node$node.sql" <<SQL
\set user random(1, 1000)
SELECT pz_reward(r.event_id, 0.5) FROM pz_rank('shop', '{"node": $node, "user": :user}', '["a", "b", "c"]') AS r WHERE r.rank = 1;
SQL
  "$PG_BIN/pgbench" -n -c 2 -t $per_client -f "$work/node$node.sql" -h "$RS_DIR" -p "${RS_PORTS[$node]}" -U postgres postgres \
    >"$work/pgbench$node.out" 2>&1 &
  clients+=($!)
done
for round in 1 2 3; do
  sleep 0.3
  rs_q 1 -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pz logger'" >/dev/null
  sleep 0.3
  rs_q 0 -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pz forwarder'" >/dev/null
done
for pid in "${clients[@]}"; do wait "$pid" || fail "pgbench failed: $(cat "$work"/pgbench*.out)"; done
clients=()
for node in 1 2; do
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench$node.out")
  expect_equal "pgbench transactions on standby $node" $((2 * per_client)) "$processed"
  echo "standby $node: $(grep -o 'tps = [0-9.]*' "$work/pgbench$node.out" | head -1)"
  # The queue empties once the primary has the records and this standby replayed them.
  rs_wait_for "$node" 30 "SELECT queued = 0 AND forwarded >= $((4 * per_client)) FROM pz.log_queue" \
    || fail "standby $node did not forward: $(rs_q "$node" -c "SELECT * FROM pz.log_queue")"
done
for node in 1 2; do
  read -r events rewards once < <(rs_q 0 -F ' ' -c "
    SELECT count(*), (SELECT count(*) FROM pz.rewards AS r JOIN pz.events AS e USING (event_id) WHERE e.context->>'node' = '$node'),
           count(*) FILTER (WHERE (SELECT count(*) FROM pz.rewards AS r WHERE r.event_id = e.event_id) = 1)
      FROM pz.events AS e WHERE e.context->>'node' = '$node'")
  expect_equal "decisions of standby $node on the primary" $((2 * per_client)) "$events"
  expect_equal "rewards of standby $node on the primary" $((2 * per_client)) "$rewards"
  expect_equal "decisions of standby $node with exactly one reward" $((2 * per_client)) "$once"
  expect_equal "pz.loop_status on the primary: inflow of node$node" "$((2 * per_client)) $((2 * per_client))" \
    "$(rs_q 0 -F ' ' -c "SELECT nodes->'node$node'->>'events', nodes->'node$node'->>'rewards' FROM pz.loop_status WHERE loop = 'shop'")"
done
echo "forwarding lag per node: $(rs_q 0 -c "SELECT string_agg(node || ' ' || forwarding_lag, ', ' ORDER BY node) FROM pz.node_inflow")"

# 3. The primary trains; the standbys rank with the new version within
# model_update (1 s) plus the replay lag.
rs_wait_for 0 60 "SELECT model_version > 0 FROM pz.loops WHERE name = 'shop'" || fail "the primary did not train"
sleep 1.5  # what was due is learned
before=$(rs_q 0 -c "SELECT model_version FROM pz.loops WHERE name = 'shop'")
rs_q 0 -c "SELECT count(*) FROM generate_series(1, 20) AS g, LATERAL pz_rank('shop', jsonb_build_object('node', 0, 'g', g), '[\"a\", \"b\"]') AS r, pz_reward(r.event_id, 1) WHERE r.rank = 1" >/dev/null
rs_wait_for 0 30 "SELECT model_version > $before FROM pz.loops WHERE name = 'shop'" || fail "the primary did not train again"
read -r version trained_at < <(rs_q 0 -F ' ' -c "SELECT l.model_version, extract(epoch FROM m.created_at) FROM pz.loops l
                                                   JOIN pz.models m ON m.loop_id = l.loop_id AND m.version = l.model_version WHERE l.name = 'shop'")
for node in 1 2; do
  used=""
  for ((i = 0; i < 100; i++)); do
    # One session: its rank call holds the copy it ranked with while the second statement looks.
    used=$(rs_q "$node" -c "SELECT count(*) FROM pz_rank('shop', '{\"probe\": true}', '[\"a\"]', '{\"learn\": false}')" \
             -c "SELECT max(c.model_version) FROM pz.cached_models() AS c JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'shop' AND c.this_backend" | tail -1)
    [[ "$used" -ge "$version" ]] && break
    sleep 0.1
  done
  [[ "$used" -ge "$version" ]] || fail "standby $node still ranks with version $used, not $version"
  delay=$(rs_q 0 -c "SELECT round((extract(epoch FROM clock_timestamp()) - $trained_at)::numeric, 2)")
  echo "ok: standby $node ranks with model version $version, ${delay} s after the primary wrote it"
  awk -v d="$delay" 'BEGIN { exit !(d <= 3) }' || fail "standby $node took ${delay} s (model_update 1 s plus replay)"
done

# 4. kill -9 of standby 2's postmaster while two clients rank and reward
# there; each client prints the event ids it saw acknowledged.
for client in 1 2; do
  for ((i = 0; i < 20000; i++)); do
    echo "SELECT r.event_id FROM pz_rank('shop', '{\"phase\": \"kill\", \"client\": $client}', '[\"a\", \"b\"]') AS r, pz_reward(r.event_id, 0.5) WHERE r.rank = 1;"
  done >"$work/kill$client.sql"
  stdbuf -oL psql -X -A -t -q -h "$RS_DIR" -p "${RS_PORTS[2]}" -U postgres -d postgres -f "$work/kill$client.sql" \
    >"$work/kill$client.ids" 2>/dev/null &
  clients+=($!)
done
load_seconds=2
sleep $load_seconds
kill -9 "$(head -1 "$RS_DIR/node2/postmaster.pid")"
for pid in "${clients[@]}"; do wait "$pid" 2>/dev/null || true; done
clients=()
# The orphaned logger forwards what it holds, then exits: wait for the
# primary's count of node2's decisions to stop growing.
inflow="SELECT coalesce(sum(events), 0) FROM pz.node_inflow WHERE node = 'node2'"
previous=-1
for ((i = 0; i < 60; i++)); do
  current=$(rs_q 0 -c "$inflow")
  [[ $current == "$previous" ]] && break
  previous=$current
  sleep 1
done
cat "$work"/kill*.ids | grep -E '^[0-9a-f-]{36}$' | sort -u >"$work/acknowledged"
acknowledged=$(wc -l <"$work/acknowledged")
((acknowledged > 50)) || fail "too little load before the kill ($acknowledged decisions)"
check_acknowledged() {  # node: prints "missing, without exactly one reward"
  psql -X -A -t -q -F ' ' -h "$RS_DIR" -p "${RS_PORTS[$1]}" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE acknowledged (event_id uuid);
\copy acknowledged FROM '$work/acknowledged'
SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT FROM pz.events e WHERE e.event_id = a.event_id)),
       count(*) FILTER (WHERE EXISTS (SELECT FROM pz.events e WHERE e.event_id = a.event_id)
                          AND (SELECT count(*) FROM pz.rewards r WHERE r.event_id = a.event_id) <> 1)
  FROM acknowledged a;
SQL
}
read -r lost unrewarded < <(check_acknowledged 0)
bound=$((acknowledged / load_seconds))  # one second of decisions (README)
((lost <= bound)) || fail "kill -9 of a standby lost $lost of $acknowledged decisions, more than one second ($bound)"
echo "ok: kill -9 of standby 2's postmaster: $lost of $acknowledged acknowledged decisions lost (bound $bound)"
expect_equal "decisions of the killed standby on the primary with other than one reward" 0 "$unrewarded"

# 5. Promotion: the primary dies under load on standby 1; standby 1 is
# promoted, its worker trains, ranking goes on, nothing counts twice.
for client in 1 2; do
  sed "s/\"kill\"/\"failover\"/" "$work/kill$client.sql" >"$work/failover$client.sql"
  stdbuf -oL psql -X -A -t -q -h "$RS_DIR" -p "${RS_PORTS[1]}" -U postgres -d postgres -f "$work/failover$client.sql" \
    >"$work/failover$client.ids" 2>/dev/null &
  clients+=($!)
done
sleep 2
rs_pg "$PG_BIN/pg_ctl" -D "$RS_DIR/node0" -m immediate -w stop >/dev/null
rs_pg "$PG_BIN/pg_ctl" -D "$RS_DIR/node1" -w promote >/dev/null
sleep 1
for pid in "${clients[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${clients[@]}"; do wait "$pid" 2>/dev/null || true; done
clients=()
expect_equal "standby 1 promoted" f "$(rs_q 1 -c "SELECT pg_is_in_recovery()")"
rs_wait_for 1 30 "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pz trainer'" || fail "no trainer on the promoted node"
rs_wait_for 1 30 "SELECT queued = 0 FROM pz.log_queue" || fail "the promoted node did not write its queue"
cat "$work"/failover*.ids | grep -E '^[0-9a-f-]{36}$' | sort -u >"$work/acknowledged"
acknowledged=$(wc -l <"$work/acknowledged")
((acknowledged > 50)) || fail "too little load before the failover ($acknowledged decisions)"
read -r lost unrewarded < <(check_acknowledged 1)
expect_equal "decisions acknowledged on standby 1 missing after its promotion ($acknowledged acknowledged)" 0 "$lost"
expect_equal "those with other than one reward" 0 "$unrewarded"
expect_equal "events with more than one reward on the promoted node" 0 \
  "$(rs_q 1 -c "SELECT count(*) FROM (SELECT event_id FROM pz.rewards GROUP BY event_id HAVING count(*) > 1) AS d")"
before=$(rs_q 1 -c "SELECT model_version FROM pz.loops WHERE name = 'shop'")
rs_q 1 -c "SELECT count(*) FROM generate_series(1, 20) AS g, LATERAL pz_rank('shop', jsonb_build_object('phase', 'after', 'g', g), '[\"a\", \"b\"]') AS r, pz_reward(r.event_id, 1) WHERE r.rank = 1" >/dev/null
rs_wait_for 1 30 "SELECT model_version > $before FROM pz.loops WHERE name = 'shop'" || fail "the promoted node does not train"
echo "ok: the promoted node ranks, logs and trains (model version $before -> $(rs_q 1 -c "SELECT model_version FROM pz.loops WHERE name = 'shop'"))"

# 6. A standby whose primary is gone (standby 2, restarted with a small
# queue): the queue holds, bounded; when it is full a decision is not logged
# (a WARNING, counted) and no call waits for the network.
echo "pz.log_buffer_size = '64kB'" >>"$RS_DIR/node2/postgresql.conf"
(cd / && rs_start_node 2)
expect_equal "standby 2 restarted, still a standby" t "$(rs_q 2 -c "SELECT pg_is_in_recovery()")"
started=$(date +%s.%N)
warnings=$(rs_q 2 -c "SELECT count(*) FROM generate_series(1, 2000) AS g,
                        LATERAL pz_rank('shop', jsonb_build_object('phase', 'cut off', 'g', g), '[\"a\", \"b\"]') AS r WHERE r.rank = 1" 2>&1 \
           | grep -c "pz could not queue the decision on this standby: the pz log queue is full" || true)
elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
read -r queued dropped connected < <(rs_q 2 -F ' ' -c "SELECT queued, dropped, forwarder_connected FROM pz.log_queue")
((queued > 0 && dropped > 0)) || fail "cut-off standby: queued $queued, dropped $dropped"
expect_equal "WARNINGs of decisions not logged" "$dropped" "$warnings"
expect_equal "forwarder connected while the primary is gone" f "$connected"
awk -v e="$elapsed" 'BEGIN { exit !(e < 20) }' || fail "2,000 rank calls took $elapsed s on the cut-off standby"
grep -q "pz logger cannot forward to the primary" "$RS_DIR/node2.log" || fail "no WARNING of the logger in the server log"
echo "ok: cut off from its primary, standby 2 holds $queued records (64 kB), dropped $dropped with a WARNING each; 2,000 rank calls in $elapsed s"
echo "replicas: ok"
