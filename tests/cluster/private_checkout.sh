#!/usr/bin/env bash
# Any checkout location: the test command works from a clone that only root
# can read (as one in /root is), though pg_regress runs as postgres. Clones
# this checkout's commit into a mode-700 directory and runs regression tests
# there, against the build already installed.
source "$(dirname "$0")/common.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
private=$(mktemp -d /tmp/pz-private.XXXXXX)
trap 'rm -rf "$private"' EXIT
chmod 700 "$private"
git clone -q "$root" "$private/pz"
expect_equal "mode of the clone's parent" 700 "$(stat -c %a "$private")"
runuser -u postgres -- test -r "$private/pz/sql/00_setup.sql" && fail "postgres can read the clone"
(cd "$private/pz" && env -u PZ_CLUSTER_DIR -u PGHOST -u PGPORT -u PGOPTIONS -u PZ_SERVER_LOG \
   PZ_SKIP_BUILD=1 PZ_SUITES=regress PZ_REGRESS= bash tools/test.sh) \
  >"$private/test.log" 2>&1 || { cat "$private/test.log"; fail "tools/test.sh failed in a clone only root can read"; }
grep -E "^(ok|FAILED):|suites:" "$private/test.log"
echo "private_checkout: ok"
