#!/usr/bin/env bash
# tests/cluster/concurrency.sh with the loops logging through the buffered-log queue.
PZ_LOGGING=buffered exec bash "$(dirname "$0")/concurrency.sh" "$@"
