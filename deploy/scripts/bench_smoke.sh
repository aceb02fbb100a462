#!/usr/bin/env bash
# Runs the benchmarks once at a tiny size, so that none rots between real
# runs: the store's micro benchmarks, then every section of the issue-7 and
# issue-17 comparison (bench/suite.py --preset=smoke, PostgreSQL and Redis
# included, about 60 s). Figures from here mean nothing: benchmarks are
# never timed tests.
# Needs a build (deploy/scripts/build.sh; PASSCLEAR_BUILD_DIR picks another
# build folder than build/).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${PASSCLEAR_BUILD_DIR:-build}"
out=$(mktemp -d /tmp/passclear-bench-smoke-XXXXXX)
trap 'rm -rf "$out"' EXIT

"$build/bench/pass_store_benchmark" --benchmark_min_time=0.01 \
  --benchmark_filter='JudgeRedemption|ParsePassCode|CodeTag|PassKey' >/dev/null
# Two runs in about ten have failed on a loaded machine (a replay and a
# stream ending in errors; the load generator now prints the first error):
# a failure is shown, and the smoke must pass on a second try.
if ! python3 bench/suite.py --preset=smoke --build="$build" --out="$out" \
    >/dev/null; then
  echo "bench smoke failed (above); running it once more" >&2
  python3 bench/suite.py --preset=smoke --build="$build" --out="$out" >/dev/null
fi
echo "benchmarks ran"
