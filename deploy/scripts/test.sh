#!/usr/bin/env bash
# Installs what is missing, builds everything, checks the formatting and
# runs the whole test suite (unit and integration tests against the real
# server binary, a real Prometheus), runs each benchmark once at a tiny
# size, runs the tests again under ASan + UBSan, then fuzzes the parsers
# and the request handlers for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/scripts/install_deps.sh
deploy/scripts/build.sh

echo "== format check (clang-format, Google style)"
git ls-files -- '*.cc' '*.h' | xargs clang-format --dry-run -Werror

echo "== tests"
cd build
ctest -j2 --output-on-failure --timeout 600
cd ..

echo "== benchmarks, once each at a tiny size (they must not rot)"
deploy/scripts/bench_smoke.sh

echo "== tests again under AddressSanitizer + UndefinedBehaviorSanitizer"
deploy/scripts/sanitize.sh

echo "== fuzzing (libFuzzer, ASan + UBSan, 20 s per target)"
deploy/scripts/fuzz.sh 20
