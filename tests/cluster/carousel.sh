#!/usr/bin/env bash
# Issue 13's pz-sim target: a three-item carousel (the visitor looks at
# position j with probability 0.6^(j-1) and clicks what it sees with its
# persona's probability). The same visits are ranked by a loop with
# options.slots = 3 (a reward per slot) and by one with a single slot whose
# positions 2-3 follow the scores (only position 1 is rewarded). The page of
# the loop with slots must earn more over the whole run (the cumulative
# reward of a learning policy), paired over the same visits, the 95% interval
# above 0 (a failure with PZ_CAROUSEL_JUDGE=1, reported otherwise). pz-sim
# trains both loops itself after every 60 visits (pz_train, in a database the
# worker does not serve), so that they learn from the same visits at the same
# points however the machine's load interleaves visits and training steps.
source "$(dirname "$0")/common.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
db=pz_carousel
visits=${PZ_CAROUSEL_VISITS:-3000}
seed=${PZ_CAROUSEL_SEED:-13}
fresh_database $db
for loop in carousel carousel_filled; do
  q -d $db -c "SELECT pz_create_loop('$loop', '{\"reward_wait\": \"0.2 seconds\", \"exploration\": 0.2}')" >/dev/null
done

output=$("$root/build/tools/pz-sim" --dsn "dbname=$db" --carousel 3 --loop carousel --visits "$visits" --rate 0 \
           --connections 2 --train-every 60 --seed "$seed" --buckets 4 2>/dev/null) || fail "pz-sim failed"
echo "$output" | sed -n '/^Carousel/,$p'
read -r _ _ slots _ filled _ gain _ low _ high _ pages <<<"$(echo "$output" | grep '^carousel:')"
[[ -n "$gain" ]] || fail "pz-sim printed no carousel line"
echo "all visits: slots $slots, score-filled $filled, gain $gain [$low, $high] over $pages pages"
# Beating it means the whole 95% interval of the paired gain is above 0. The
# gain is learning speed (the loop with slots learns from every position) and
# varies with each loop's learning path even with training at fixed visits:
# 29 of 35 runs met it (README, Benchmarks), so it is judged as a benchmark,
# with PZ_CAROUSEL_JUDGE=1, not in every run of the test command. The checks
# below (slots logged, rewarded and learned per slot) always are.
if awk -v l="$low" 'BEGIN { exit !(l > 0) }'; then
  echo "target met: the page with slots earns more than the score-filled page"
elif [[ "${PZ_CAROUSEL_JUDGE:-0}" == 1 ]]; then
  fail "the page with slots ($slots) does not beat the score-filled page ($filled): gain $gain [$low, $high]"
else
  echo "target NOT met in this run: gain $gain [$low, $high] (PZ_CAROUSEL_JUDGE=1 fails on it)"
fi

# Every page's slots were logged and rewarded per slot; the score-filled loop
# logged one position and took rewards for it alone.
wait_for 60 $db "SELECT count(*) = 0 FROM pz.events e JOIN pz.loops l USING (loop_id)
                  WHERE l.name IN ('carousel', 'carousel_filled') AND e.joined_at IS NULL"
expect_equal "carousel: slots logged per page" 3 \
  "$(q -d $db -c "SELECT min(cardinality(e.slot_probabilities)) FROM pz.events e JOIN pz.loops l USING (loop_id)
                   WHERE l.name = 'carousel'")"
expect_equal "carousel: rewards named slots 1 to 3" "1,2,3" \
  "$(q -d $db -c "SELECT string_agg(DISTINCT r.slot::text, ',' ORDER BY r.slot::text) FROM pz.rewards r
                    JOIN pz.events e USING (event_id) JOIN pz.loops l USING (loop_id) WHERE l.name = 'carousel'")"
expect_equal "score-filled: no slots, rewards for the top position only" "0 0" \
  "$(q -d $db -c "SELECT count(*) FILTER (WHERE e.slot_probabilities IS NOT NULL) || ' ' ||
                         (SELECT count(*) FROM pz.rewards r JOIN pz.events f USING (event_id)
                           WHERE f.loop_id = l.loop_id AND r.slot IS NOT NULL)
                    FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'carousel_filled' GROUP BY l.loop_id")"
# Each slot one example, learned once (the model's examples count them all).
wait_learned_once $db 30 carousel
echo "ok: every slot learned exactly once"
q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
