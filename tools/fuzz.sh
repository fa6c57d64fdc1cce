#!/usr/bin/env bash
# Builds the libFuzzer targets of the core with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang), and runs each for a bounded time.
# Usage: tools/fuzz.sh [seconds per target, default 30]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
seconds=${1:-30}
out="$PZ_ROOT/build/fuzz"
mkdir -p "$out"
status=0
for target in "$PZ_ROOT"/tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$target" .cpp)
  clang++-14 -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$PZ_ROOT/src" -I/usr/include/eigen3 "$target" "$PZ_ROOT"/src/core/*.cpp -o "$out/$name"
  mkdir -p "$out/$name.corpus"
  log "fuzzing $name for ${seconds}s"
  if "$out/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
       "$out/$name.corpus" >"$out/$name.log" 2>&1; then
    echo "$name: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') executions, no crash, no leak"
  else
    status=1
    tail -40 "$out/$name.log"
    echo "$name: FAILED"
  fi
done
exit $status
