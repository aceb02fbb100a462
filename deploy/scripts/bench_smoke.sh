#!/usr/bin/env bash
# Runs each benchmark script once at a tiny size, so that none rots between
# real runs. Figures from here mean nothing: benchmarks are never timed
# tests. Needs a build (deploy/scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

build/bench/pass_store_benchmark --benchmark_min_time=0.01 \
  --benchmark_filter='JudgeRedemption|ParsePassCode|CodeTag|PassKey' >/dev/null
bash bench/compare_redeem.sh 1 >/dev/null
bash bench/open_loop.sh 200 1 4 >/dev/null
bash bench/compare_postgres.sh 1 2000 4 >/dev/null
bash bench/scale.sh 2000000 1 4 >/dev/null
echo "benchmarks ran"
