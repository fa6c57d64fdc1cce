#!/usr/bin/env bash
# Upgrade with data, the way a DBA does it. For every released version (its
# frozen install script in sql/released/, its library built from the commit
# recorded beside it): a server running that version's library and SQL takes
# loops, ranked and rewarded events, pending and deferred events and trained
# models; then the current library replaces it, the server restarts, and
#   - before ALTER EXTENSION pz UPDATE, calls are refused with 55000 and a
#     hint, and the worker waits without crashing;
#   - ALTER EXTENSION pz UPDATE keeps every row, and the updated schema is the
#     same as a fresh installation's;
#   - the old models score as before, old pending events take rewards and are
#     learned, the worker trains, evaluation reads the old log, and a rollback
#     to a model trained before the update works.
# Runs on a cluster of its own, from a private copy of PostgreSQL in a temp
# dir (the test suite's own cluster keeps running the current library).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/pz-upgrade.XXXXXX)
chmod 755 "$work"
export PZ_PG_PREFIX=$work/postgresql
source "$root/tools/lib.sh"
source "$root/tests/cluster/common.sh"
cleanup() { stop_cluster; rm -rf "$work"; }
trap cleanup EXIT

current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$root/pz.control")
# Catalog facts of pz's objects that a correct update leaves as a fresh
# install makes them: columns, constraints, indexes, function definitions.
schema_digest() {
  q -d "$1" <<'SQL'
SELECT md5(string_agg(fact, E'\n' ORDER BY fact)) FROM (
  SELECT format('column %s.%s %s %s %s', c.table_name, c.column_name, c.data_type,
                c.is_nullable, coalesce(c.column_default, '')) AS fact
    FROM information_schema.columns AS c WHERE c.table_schema = 'pz'
  UNION ALL
  SELECT format('constraint %s %s', con.conname, pg_get_constraintdef(con.oid))
    FROM pg_constraint AS con JOIN pg_namespace AS n ON n.oid = con.connamespace WHERE n.nspname = 'pz'
  UNION ALL
  SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'pz'
  UNION ALL
  -- pg_get_functiondef() refuses aggregates: an aggregate's fact is its signature and support functions.
  SELECT format('function %s', CASE WHEN p.prokind = 'a'
                                    THEN format('aggregate %s(%s) sfunc %s stype %s finalfunc %s', p.proname,
                                                pg_get_function_identity_arguments(p.oid), a.aggtransfn,
                                                a.aggtranstype::regtype, a.aggfinalfn)
                                    ELSE pg_get_functiondef(p.oid) END)
    FROM pg_depend AS d JOIN pg_proc AS p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
    LEFT JOIN pg_aggregate AS a ON a.aggfnoid = p.oid
   WHERE d.refclassid = 'pg_extension'::regclass
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pz') AND d.deptype = 'e'
) AS facts
SQL
}

log "a private PostgreSQL for the upgrade test in $PZ_PG_PREFIX"
make_private_postgres "$PZ_PG_PREFIX"

fresh_digest=""
released=0
for script in "$root"/sql/released/pz--*.sql; do
  version=$(basename "$script" .sql | sed 's/^pz--//')
  [[ "$version" == *--* ]] && continue  # an update script, not an install script
  released=$((released + 1))
  commit=$(cat "$root/sql/released/pz--$version.commit")
  git -C "$root" cat-file -e "$commit^{commit}" 2>/dev/null \
    || fail "the library of $version (commit $commit) is not in this clone's history: clone without --depth"

  log "building the $version library from commit ${commit:0:12}"
  mkdir "$work/v$version"
  git -C "$root" archive "$commit" | tar -x -C "$work/v$version"
  make -C "$work/v$version" -j"$(nproc)" -s PG_CONFIG="$PG_CONFIG" >/dev/null
  make -C "$work/v$version" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
  cmp -s "$script" "$PZ_PG_PREFIX/share/postgresql/15/extension/pz--$version.sql" \
    || fail "sql/released/pz--$version.sql differs from the install script of commit $commit"

  start_cluster "pz.naptime = 1"
  log "filling a $version installation"
  q -c "CREATE EXTENSION pz VERSION '$version'"
  q >/dev/null <<'SQL'
SELECT pz_create_loop('shop', '{"reward_wait": "0 seconds", "model_update": "1 second", "bits": 14}');
SELECT pz_create_loop('slow', '{"reward_wait": "1 hour", "model_update": "1 hour", "exploration": 0.1}');
CREATE TABLE visits AS
SELECT v, CASE v % 3 WHEN 0 THEN 'budget' WHEN 1 THEN 'premium' ELSE 'family' END AS segment
  FROM generate_series(1, 600) AS v;
CREATE TABLE decisions AS
SELECT v.v, v.segment, r.*
  FROM visits AS v,
       LATERAL pz_rank('shop', jsonb_build_object('user', jsonb_build_object('segment', v.segment)),
                       '[{"id": "toy", "features": {"category": "toys", "price": 9}},
                         {"id": "pan", "features": {"category": "kitchen", "price": 40}},
                         {"id": "lamp", "features": {"category": "home", "price": 25}}]') AS r
 WHERE r.rank = 1;
-- Budget visitors like toys, the others pans.
SELECT count(pz_reward(event_id, CASE WHEN (segment = 'budget') = (action_id = 'toy') THEN 1 ELSE 0 END))
  FROM decisions WHERE v % 2 = 0;
SELECT pz_train('shop');
-- Left for the worker to learn.
SELECT count(pz_reward(r.event_id, 1))
  FROM generate_series(1, 50) AS v,
       LATERAL pz_rank('shop', '{"user": {"segment": "budget"}}', '["toy", "pan"]') AS r
 WHERE r.rank = 1;
SELECT count(*) FROM pz_rank('slow', '{"user": {"segment": "budget"}}', '["a", "b", "c"]',
                             '{"event_id": "00000000-0000-4000-8000-000000000001"}');
SELECT count(*) FROM pz_rank('slow', '{"user": {"segment": "family"}}', '["a", "b"]',
                             '{"event_id": "00000000-0000-4000-8000-000000000002", "deferred": true}');
SQL
  # The worker trains shop again: two model versions made by the old library.
  wait_for 30 postgres "SELECT model_version >= 2 FROM pz.loops WHERE name = 'shop'"
  counts="SELECT (SELECT count(*) FROM pz.loops) || '/' || (SELECT count(*) FROM pz.events) || '/'
                 || (SELECT count(*) FROM pz.rewards) || '/' || (SELECT count(*) FROM pz.models)"
  before=$(q -c "$counts")
  shop_version=$(q -c "SELECT model_version FROM pz.loops WHERE name = 'shop'")
  scores="SELECT string_agg(action_id || '=' || round(score::numeric, 9), ',' ORDER BY action_id)
            FROM pz_rank('shop', '{\"user\": {\"segment\": \"budget\"}}',
                         '[{\"id\": \"toy\", \"features\": {\"category\": \"toys\", \"price\": 9}},
                           {\"id\": \"pan\", \"features\": {\"category\": \"kitchen\", \"price\": 40}}]',
                         '{\"learn\": false}')"
  scores_before=$(q -c "$scores")
  echo "filled: loops/events/rewards/models = $before, shop at model version $shop_version"

  log "replacing the library with the current one ($current) and restarting"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PZ_CLUSTER_DIR/data" -m fast -w stop >/dev/null
  make -C "$root" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PZ_CLUSTER_DIR/data" -l "$PZ_CLUSTER_DIR/server.log" \
    -w -t 60 start >/dev/null

  refused=$(q -c "SELECT count(*) FROM pz_rank('shop', '{}', '[\"toy\"]')" 2>&1 || true)
  [[ "$refused" == *"pz's SQL objects in this database are version $version, its library is version $current"* ]] \
    || fail "a call before ALTER EXTENSION UPDATE was not refused clearly: $refused"
  echo "ok: calls before the update are refused with a hint"
  sleep 2  # the worker has looked at the old schema at least once
  worker_pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pz trainer'")
  [[ -n "$worker_pid" ]] || fail "the pz trainer is not running before the update"

  log "ALTER EXTENSION pz UPDATE"
  q -c "ALTER EXTENSION pz UPDATE"
  expect_equal "version after updating from $version" "$current" \
    "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pz'")"
  expect_equal "loops/events/rewards/models kept" "$before" "$(q -c "$counts")"
  expect_equal "every loop has every setting" "0" \
    "$(q -c "SELECT count(*) FROM pz.loops WHERE NOT settings ?& ARRAY(SELECT jsonb_object_keys(pz.default_settings()))")"
  expect_equal "the worker waited without crashing" "$worker_pid" \
    "$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pz trainer'")"
  expect_equal "a model trained by $version scores as before" "$scores_before" "$(q -c "$scores")"

  q -c "CREATE DATABASE pz_fresh"
  q -d pz_fresh -c "CREATE EXTENSION pz"
  fresh_digest=$(schema_digest pz_fresh)
  expect_equal "schema updated from $version is a fresh install's" "$fresh_digest" "$(schema_digest postgres)"

  log "the old log keeps working"
  q -c "SELECT pz_reward('00000000-0000-4000-8000-000000000001', 1)" >/dev/null
  q -c "SELECT pz_activate('00000000-0000-4000-8000-000000000002')" >/dev/null
  q -c "SELECT pz_configure_loop('slow', '{\"reward_wait\": \"0 seconds\"}')" >/dev/null
  q -c "SELECT pz_train('slow')" >/dev/null
  expect_equal "old pending events joined after the update" "rewarded 1,defaulted 0" \
    "$(q -c "SELECT string_agg(outcome || ' ' || reward, ',' ORDER BY event_id) FROM pz.events AS e
               JOIN pz.loops AS l USING (loop_id) WHERE l.name = 'slow'")"
  q -c "SELECT count(pz_reward(event_id, 1)) FROM pz_rank('shop', '{\"user\": {\"segment\": \"family\"}}', '[\"toy\", \"pan\"]') WHERE rank = 1" >/dev/null
  wait_for 30 postgres "SELECT model_version > $shop_version FROM pz.loops WHERE name = 'shop'"
  echo "ok: the worker trains the updated loop"
  expect_equal "examples continue from the old model" "t" \
    "$(q -c "SELECT m.examples > (SELECT examples FROM pz.models WHERE loop_id = l.loop_id AND version = $shop_version)
               FROM pz.loops AS l JOIN pz.models AS m ON m.loop_id = l.loop_id AND m.version = l.model_version
              WHERE l.name = 'shop'")"
  expect_equal "evaluation reads the old log" "t" \
    "$(q -c "SELECT events >= 600 FROM pz_evaluate('shop') WHERE policy = 'online' AND estimator = 'average'")"
  q -c "SELECT pz_configure_loop('shop', '{\"model_update\": \"1 hour\"}')" >/dev/null
  q -c "SELECT pz_rollback_model('shop', 1)" >/dev/null
  q -c "SELECT count(*) FROM pz_rank('shop', '{}', '[\"toy\", \"pan\"]',
                                      '{\"event_id\": \"00000000-0000-4000-8000-000000000003\"}')" >/dev/null
  expect_equal "ranking with a model trained by $version after a rollback" "1" \
    "$(q -c "SELECT model_version FROM pz.events WHERE event_id = '00000000-0000-4000-8000-000000000003'")"

  log "the data lifecycle on the old log"
  expect_equal "events with a subject after updating from $version" 0 \
    "$(q -c "SELECT count(subject_hash) FROM pz.events")"
  q -c "SELECT count(*) FROM pz_rank('shop', '{}', '[\"toy\"]', '{\"subject\": \"s1\"}')" >/dev/null
  expect_equal "pz_forget after updating from $version" '{"loops": ["shop"], "events": 1, "rewards": 0}' "$(q -c "SELECT pz_forget('s1')")"
  expect_equal "pz_retrain learns the old joined log" \
    "$(q -c "SELECT count(*) FROM pz.events JOIN pz.loops USING (loop_id)
              WHERE name = 'shop' AND outcome IN ('rewarded', 'defaulted')")" \
    "$(q -c "SELECT pz_retrain('shop')->>'examples'")"
  q -c "SELECT pz_configure_loop('slow', '{\"retention\": \"1 microsecond\"}')" >/dev/null
  expect_equal "retention deletes old joined events" 2 "$(q -c "SELECT pz.apply_retention('slow')->>'events'")"
  crashes=$(grep -c "terminated by signal" "$PZ_CLUSTER_DIR/server.log" || true)
  expect_equal "server processes that crashed" "0" "$crashes"
  stop_cluster
done
[[ $released -gt 0 ]] || fail "no released version in sql/released"
echo "upgrade: ok (current $current; $released release(s) updated with data)"
