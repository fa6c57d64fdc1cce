#!/usr/bin/env bash
# pg_dump and pg_restore bring back loops, events, rewards and models, and a
# rank with a fixed event id gives the same ranking before and after.
source "$(dirname "$0")/common.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"

fresh_database pz_dump_source
q -d pz_dump_source >/dev/null <<'SQL'
SELECT pz_create_loop('shop', '{"reward_wait": "0 seconds", "exploration": 0.1, "interactions": [["user", "*"]]}');
SELECT count(pz_reward(event_id, CASE WHEN action_id = 'a' THEN 1 ELSE 0 END))
  FROM generate_series(1, 200) AS g,
       LATERAL pz_rank('shop', jsonb_build_object('user', jsonb_build_object('segment', 's' || g % 3)),
                       '[{"id": "a", "features": {"kind": "x"}}, {"id": "b", "features": {"kind": "y"}}, "c"]',
                       jsonb_build_object('event_id', md5('dump' || g)::uuid))
 WHERE rank = 1;
SELECT pz_train('shop');
SELECT count(*) FROM pz_rank('shop', '{}', '["a", "b"]', '{"deferred": true}');
SQL


snapshot() {  # a fingerprint of everything a dump must keep
  q -d "$1" -c "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
      SELECT format('%s %s %s %s', loop_id, name, settings, model_version) FROM pz.loops
      UNION ALL SELECT format('%s %s %s %s %s %s %s %s %s %s', event_id, loop_id, created_at, context, actions,
                              ranking, probabilities, chosen_action, reward, outcome) FROM pz.events
      UNION ALL SELECT format('%s %s %s %s', reward_id, event_id, value, signal) FROM pz.rewards
      UNION ALL SELECT format('%s %s %s %s', loop_id, version, examples, md5(weights)) FROM pz.models) AS t(x)"
}
ranking() {
  q -d "$1" -c "SELECT string_agg(action_id || ':' || round(score::numeric, 6), ',' ORDER BY rank)
                  FROM pz_rank('shop', '{\"user\": {\"segment\": \"s1\"}}', '[{\"id\": \"a\", \"features\": {\"kind\": \"x\"}}, {\"id\": \"b\", \"features\": {\"kind\": \"y\"}}, \"c\"]',
                               '{\"event_id\": \"00000000-0000-4000-8000-00000000f00d\", \"learn\": false}')"
}
counts() {
  q -d "$1" -c "SELECT (SELECT count(*) FROM pz.loops) || ' loops, ' || (SELECT count(*) FROM pz.events) || ' events, '
                    || (SELECT count(*) FROM pz.rewards) || ' rewards, ' || (SELECT count(*) FROM pz.models) || ' models'"
}

before_snapshot=$(snapshot pz_dump_source)
before_ranking=$(ranking pz_dump_source)
before_counts=$(counts pz_dump_source)
runuser -u postgres -- pg_dump -h "$PGHOST" -p "$PGPORT" -Fc -d pz_dump_source -f "$work/pz.dump"
q -d postgres -c "DROP DATABASE IF EXISTS pz_dump_target WITH (FORCE)"
q -d postgres -c "CREATE DATABASE pz_dump_target"
runuser -u postgres -- pg_restore -h "$PGHOST" -p "$PGPORT" --exit-on-error -d pz_dump_target "$work/pz.dump"

expect_equal "rows after restore" "$before_counts" "$(counts pz_dump_target)"
expect_equal "content fingerprint after restore" "$before_snapshot" "$(snapshot pz_dump_target)"
expect_equal "ranking with a fixed event id after restore" "$before_ranking" "$(ranking pz_dump_target)"
# The restored database keeps working: sequences continue, training resumes.
q -d pz_dump_target -c "SELECT pz_reward(md5('dump1')::uuid, 1)" >/dev/null
q -d pz_dump_target -c "SELECT pz_create_loop('after_restore')" >/dev/null
# Action numbers continue too (pz.action_numbers is dumped): a new document
# gets a number no restored one has.
q -d pz_dump_target -c "SELECT count(*) FROM pz_rank('shop', '{}', '[\"new_after_restore\", \"a\"]')" >/dev/null
expect_equal "distinct action numbers after a new document" "t" \
  "$(q -d pz_dump_target -c "SELECT count(DISTINCT action_number) = count(*) AND count(*) FILTER (WHERE action_id = 'new_after_restore') = 1 FROM pz.actions")"
expect_equal "model version after restore" "1" "$(q -d pz_dump_target -c "SELECT model_version FROM pz.loops WHERE name = 'shop'")"
q -d postgres -c "DROP DATABASE pz_dump_source WITH (FORCE)"
q -d postgres -c "DROP DATABASE pz_dump_target WITH (FORCE)"
echo "dump and restore: ok ($before_counts)"
