#!/usr/bin/env bash
# Upgrade discipline: every released version (its frozen install script kept in
# sql/released/) installs, takes data, and updates to the current version with
# ALTER EXTENSION pz UPDATE, keeping the data. The current version must be
# reachable from each of them through the update scripts sql/pz--A--B.sql.
source "$(dirname "$0")/common.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$root/pz.control")

fresh_database pz_upgrade
expect_equal "installed version" "$current" "$(q -d pz_upgrade -c "SELECT extversion FROM pg_extension WHERE extname = 'pz'")"
q -d pz_upgrade -c "ALTER EXTENSION pz UPDATE" >/dev/null  # already current: a no-op, not an error

released=0
for script in "$root"/sql/released/pz--*.sql; do
  [[ -e "$script" ]] || continue
  version=$(basename "$script" .sql | sed 's/^pz--//')
  released=$((released + 1))
  q -d postgres -c "DROP DATABASE IF EXISTS pz_upgrade WITH (FORCE)" -c "CREATE DATABASE pz_upgrade"
  q -d pz_upgrade -c "CREATE EXTENSION pz VERSION '$version'"
  q -d pz_upgrade >/dev/null <<'SQL'
SELECT pz_create_loop('kept', '{"reward_wait": "0 seconds"}');
SELECT pz_reward(event_id, 1) FROM pz_rank('kept', '{"user": {"s": "x"}}', '["a", "b"]') WHERE rank = 1;
SQL
  before=$(q -d pz_upgrade -c "SELECT count(*) FROM pz.events")
  # The new library on the old schema: ranks as before; a subject needs the update.
  expect_equal "a subject before updating from $version" "ERROR:  55000" \
    "$(q -d pz_upgrade -v VERBOSITY=sqlstate -c "SELECT count(*) FROM pz_rank('kept', '{}', '[\"a\"]', '{\"subject\": \"s0\"}')" 2>&1 || true)"
  q -d pz_upgrade -c "ALTER EXTENSION pz UPDATE"
  expect_equal "version after updating from $version" "$current" \
    "$(q -d pz_upgrade -c "SELECT extversion FROM pg_extension WHERE extname = 'pz'")"
  expect_equal "events kept updating from $version" "$before" "$(q -d pz_upgrade -c "SELECT count(*) FROM pz.events")"
  expect_equal "training after updating from $version" "1" "$(q -d pz_upgrade -c "SELECT pz_train('kept')->>'learned'")"
  # Data lifecycle on the old log: its events have no subject; retention and retraining take them.
  expect_equal "events with a subject after updating from $version" 0 \
    "$(q -d pz_upgrade -c "SELECT count(subject_hash) FROM pz.events")"
  q -d pz_upgrade -c "SELECT count(*) FROM pz_rank('kept', '{}', '[\"a\"]', '{\"subject\": \"s1\"}')" >/dev/null
  expect_equal "pz_forget after updating from $version" '{"loops": ["kept"], "events": 1, "rewards": 0}' \
    "$(q -d pz_upgrade -c "SELECT pz_forget('s1')")"
  expect_equal "pz_retrain after updating from $version" 1 "$(q -d pz_upgrade -c "SELECT pz_retrain('kept')->>'examples'")"
  q -d pz_upgrade -c "SELECT pz_configure_loop('kept', '{\"retention\": \"1 microsecond\"}')" >/dev/null
  expect_equal "retention after updating from $version" 1 \
    "$(q -d pz_upgrade -c "SELECT pz.apply_retention('kept')->>'events'")"
done
q -d postgres -c "DROP DATABASE pz_upgrade WITH (FORCE)"
echo "upgrade: ok (current $current; $released earlier release(s) updated)"
