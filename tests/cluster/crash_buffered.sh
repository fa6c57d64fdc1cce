#!/usr/bin/env bash
# tests/cluster/crash.sh with the loops logging through the buffered-log queue.
PZ_LOGGING=buffered exec bash "$(dirname "$0")/crash.sh" "$@"
