#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-sanitize/ and
# runs each for a bounded time from its seed corpus in tests/fuzz/corpus/.
# A crash fails the script and leaves the crashing input in build-sanitize/.
#
#   deploy/scripts/fuzz.sh [seconds per target, default 30]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"

deploy/scripts/configure_sanitized.sh
cmake --build build-sanitize --target pass_code_fuzzer record_decoders_fuzzer \
  request_handlers_fuzzer

for target in pass_code_fuzzer record_decoders_fuzzer request_handlers_fuzzer; do
  corpus="tests/fuzz/corpus/${target%_fuzzer}"
  # New inputs go to a scratch folder: the committed corpus stays small.
  scratch="build-sanitize/corpus-${target}"
  mkdir -p "$scratch"
  echo "== fuzzing $target for ${seconds}s (seeds: $corpus)"
  (cd build-sanitize && "./tests/fuzz/$target" -max_total_time="$seconds" \
    -print_final_stats=1 "../$scratch" "../$corpus" 2>&1 |
    grep -E "stat::number_of_executed_units|stat::new_units_added|Done|ERROR|SUMMARY" || true)
  # A crash leaves crash-* files: fail loudly.
  if ls build-sanitize/crash-* >/dev/null 2>&1; then
    echo "fuzzing $target found a crash: build-sanitize/crash-*" >&2
    exit 1
  fi
done
