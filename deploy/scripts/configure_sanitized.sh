#!/usr/bin/env bash
# Configures build-sanitize/: one tree for the tests under AddressSanitizer +
# UndefinedBehaviorSanitizer and for the libFuzzer targets (clang,
# -DPASSCLEAR_FUZZ=ON instruments everything for both), so that CI compiles
# the sources twice (release and sanitized), not three times. -O1 with line
# tables only, as the sanitizers' documentation advises: it compiles in
# about two thirds of the time of -O2 -g and keeps every report's file and
# line.
set -euo pipefail
cd "$(dirname "$0")/../.."

cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DPASSCLEAR_FUZZ=ON >/dev/null
