#!/usr/bin/env bash
# Deleters take the rows of the log in one order (pz.event_state by event
# time, then the rest), so that no two of them can deadlock. The interleaving
# that deadlocked pz_drop_loop with pz_forget is forced here: a third session
# holds the state row of an older event, so pz_drop_loop stops on it; pz_forget
# then deletes a newer event of the same loop; the holder lets go. Both calls
# must succeed, and neither may report a deadlock.
source "$(dirname "$0")/common.sh"
db=pz_lock_order
fresh_database $db
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

q -d $db -c "SELECT pz_create_loop('doomed')" >/dev/null
# The older event (no subject) first, then the subject's newer one.
older=$(q -d $db -c "SELECT event_id FROM pz_rank('doomed', '{}', '[\"a\", \"b\"]') WHERE rank = 1")
newer=$(q -d $db -c "SELECT event_id FROM pz_rank('doomed', '{}', '[\"a\", \"b\"]', '{\"subject\": \"gone\"}') WHERE rank = 1")

# Waits until some backend waits on a lock while running a query like $1.
waiting_on_lock() {
  wait_for 10 $db "SELECT EXISTS (SELECT FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND query LIKE '$1')"
}

# The holder: keeps the older event's state row locked until told to stop.
mkfifo "$work/holder"
psql -X -q -d $db <"$work/holder" >"$work/holder.out" 2>&1 &
exec 3>"$work/holder"
echo "BEGIN; SELECT FROM pz.event_state WHERE event_id = '$older' FOR UPDATE;" >&3
wait_for 10 $db "SELECT EXISTS (SELECT FROM pg_stat_activity
                  WHERE state = 'idle in transaction' AND query LIKE 'SELECT FROM pz.event_state%')"

q -d $db -c "SELECT pz_drop_loop('doomed')" >"$work/drop.out" 2>&1 &
drop=$!
waiting_on_lock 'SELECT pz_drop_loop%'
q -d $db -c "SELECT pz_forget('gone')" >"$work/forget.out" 2>&1 &
forget=$!
# pz_forget either finishes or waits on pz_drop_loop; give it the time to.
sleep 1
echo "COMMIT;" >&3
exec 3>&-

status=0
wait $drop || status=1
wait $forget || status=$((status + 2))
cat "$work/drop.out" "$work/forget.out"
grep -q "deadlock" "$work/drop.out" "$work/forget.out" && fail "a deleter deadlocked"
[[ $status == 0 ]] || fail "pz_drop_loop or pz_forget failed (status $status)"
expect_equal "events left of the dropped loop" 0 \
  "$(q -d $db -c "SELECT count(*) FROM pz.event_state WHERE event_id IN ('$older', '$newer')")"
expect_equal "decisions left" 0 "$(q -d $db -c "SELECT count(*) FROM pz.decisions")"
expect_equal "loops left" 0 "$(q -d $db -c "SELECT count(*) FROM pz.loops")"
q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
echo "ok: pz_drop_loop and pz_forget of the same loop at once"
