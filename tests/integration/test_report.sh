#!/usr/bin/env bash
# The loop report in a real browser (issue 12): builds a small learned loop,
# writes its report with tools/pz-report, renders the page with headless
# Chromium to a PNG and dumps its DOM, and checks that the page loaded with
# its charts: gnuplot's SVG elements with drawn curves in the DOM, every
# section present, and a screenshot that is not a blank page.
#
# Needs a server with pz installed: PZ_TEST_HOST, PZ_TEST_PORT (as tools/test.sh
# sets them), gnuplot and chromium. Exits 77 (skipped) without a server.
# PZ_REPORT_KEEP=<dir> keeps the page and the screenshot there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -z ${PZ_TEST_HOST:-} || -z ${PZ_TEST_PORT:-} ]]; then
  echo "PZ_TEST_HOST and PZ_TEST_PORT are not set: skipped"; exit 77
fi
browser=$(command -v chromium || true)
[[ -n $browser ]] || { echo "chromium is not installed (tools/lib.sh installs it)"; exit 1; }

export PGHOST=$PZ_TEST_HOST PGPORT=$PZ_TEST_PORT PGUSER=${PZ_TEST_USER:-postgres} PGOPTIONS="-c client_min_messages=warning"
database=pz_report_test
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $database" \
  -c "CREATE DATABASE $database"
work=$(mktemp -d)
chmod 755 "$work"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export PGDATABASE=$database

# Three segments with different tastes, learned in four rounds; each round's
# events are moved an hour apart so that the learning curve has points.
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pz;
SELECT name FROM pz_create_loop('report', '{"reward_wait": "0 seconds"}') \g /dev/null
CREATE FUNCTION visit(i integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    segment text := (ARRAY['budget', 'premium', 'student'])[1 + i % 3];
    chosen text;
    id uuid := md5('report' || i)::uuid;
BEGIN
    SELECT action_id INTO chosen
      FROM pz_rank('report', jsonb_build_object('user', jsonb_build_object('segment', segment),
                                                'device', CASE WHEN i % 4 = 0 THEN 'desktop' ELSE 'mobile' END),
                   '[{"id": "apple", "features": {"kind": "fruit"}}, {"id": "brick", "features": {"kind": "stone"}},
                     {"id": "cloud", "features": {"kind": "air"}}]',
                   jsonb_build_object('event_id', id))
     WHERE rank = 1;
    PERFORM pz_reward(id, CASE WHEN (segment, chosen) IN (('budget', 'apple'), ('premium', 'cloud'), ('student', 'brick'))
                               THEN 1 ELSE 0 END);
END
$$;
SELECT visit(i) FROM generate_series(1, 150) AS i \g /dev/null
UPDATE pz.events SET created_at = created_at - interval '3 hours';
SELECT pz_train('report') \g /dev/null
SELECT visit(i) FROM generate_series(151, 300) AS i \g /dev/null
UPDATE pz.events SET created_at = created_at - interval '2 hours' WHERE created_at > now() - interval '1 hour';
SELECT pz_train('report') \g /dev/null
SELECT visit(i) FROM generate_series(301, 450) AS i \g /dev/null
UPDATE pz.events SET created_at = created_at - interval '1 hour' WHERE created_at > now() - interval '1 hour';
SELECT pz_train('report') \g /dev/null
SELECT visit(i) FROM generate_series(451, 600) AS i \g /dev/null
SELECT pz_train('report') \g /dev/null
SQL

page="$work/report.html"
"$root/tools/pz-report" --buckets 8 report "$page"
grep -q '<svg' "$page" || { echo "FAILED: no SVG in the page"; exit 1; }

# Chromium as root needs --no-sandbox; a private profile keeps runs apart.
render() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size=1000,2400 "$@" "file://$page" 2>>"$work/chromium.log"
}
render --dump-dom >"$work/dom.html"
render --screenshot="$work/report.png" >/dev/null

failures=0
check() {  # description, condition status
  if [[ $2 -eq 0 ]]; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi
}
found() {  # pattern: 0 if the DOM has it, else 1
  grep -q -- "$1" "$work/dom.html" && echo 0 || echo 1
}
svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
paths=$(grep -o '<path' "$work/dom.html" | wc -l)
echo "DOM: $svgs svg elements, $paths path elements"
# The learning curve and one chart per segment path (user.segment, device).
check "the page has the learning curve and the segment charts (3 SVG)" $((svgs >= 3 ? 0 : 1))
check "the charts have drawn curves and bars (>= 30 paths)" $((paths >= 30 ? 0 : 1))
for section in learning-curve segments evaluation feature-importance settings models; do
  check "section $section" "$(found "id=\"$section\"")"
done
check "the segments table lists the student segment" "$(found '<td>student</td>')"
check "the model versions table marks the current model" "$(found '>current<')"
size=$(stat -c %s "$work/report.png" 2>/dev/null || echo 0)
# A blank 1000x2400 page compresses to a few kB; text, tables and charts do not.
echo "screenshot: $size bytes"
check "the screenshot is not a blank page (> 40 kB)" $((size > 40000 ? 0 : 1))
# A loop without events still gets a page; an unknown loop is an error.
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT name FROM pz_create_loop('empty')" >/dev/null
"$root/tools/pz-report" empty "$work/empty.html" >/dev/null
check "a loop without events gets a page" "$(grep -q 'No joined events yet' "$work/empty.html" && echo 0 || echo 1)"
"$root/tools/pz-report" nope "$work/nope.html" 2>"$work/nope.err" && status=0 || status=$?
check "an unknown loop is an error" "$([[ $status -eq 1 ]] && grep -q 'does not exist' "$work/nope.err" && echo 0 || echo 1)"

((failures == 0)) || { echo "chromium log:"; grep -v dbus "$work/chromium.log" || true; }
# PZ_REPORT_KEEP=<dir>: keep the page and its screenshot there, to look at.
[[ -z ${PZ_REPORT_KEEP:-} ]] || cp "$page" "$work/report.png" "$PZ_REPORT_KEEP/"
exit $((failures ? 1 : 0))
