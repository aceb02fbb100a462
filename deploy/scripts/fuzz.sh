#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# runs each for a bounded time from its seed corpus in tests/fuzz/corpus/.
# A crash fails the script and leaves the crashing input in build-fuzz/.
#
#   deploy/scripts/fuzz.sh [seconds per target, default 30]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPASSCLEAR_FUZZ=ON >/dev/null
cmake --build build-fuzz --target pass_code_fuzzer record_decoders_fuzzer \
  request_handlers_fuzzer

for target in pass_code_fuzzer record_decoders_fuzzer request_handlers_fuzzer; do
  corpus="tests/fuzz/corpus/${target%_fuzzer}"
  # New inputs go to a scratch folder: the committed corpus stays small.
  scratch="build-fuzz/corpus-${target}"
  mkdir -p "$scratch"
  echo "== fuzzing $target for ${seconds}s (seeds: $corpus)"
  (cd build-fuzz && "./tests/fuzz/$target" -max_total_time="$seconds" \
    -print_final_stats=1 "../$scratch" "../$corpus" 2>&1 |
    grep -E "stat::number_of_executed_units|stat::new_units_added|Done|ERROR|SUMMARY" || true)
  # A crash leaves crash-* files: fail loudly.
  if ls build-fuzz/crash-* >/dev/null 2>&1; then
    echo "fuzzing $target found a crash: build-fuzz/crash-*" >&2
    exit 1
  fi
done
