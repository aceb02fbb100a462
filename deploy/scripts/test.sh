#!/usr/bin/env bash
# Installs what is missing, builds the product and its benchmarks (gcc,
# release), checks the formatting, runs each benchmark once at a tiny size,
# then builds the tests with ASan + UBSan (clang) and runs every one of them
# there (unit and integration tests against the real server binary, a real
# Prometheus), then fuzzes the parsers and the request handlers for a
# bounded time. Each test runs once, under the sanitizers: compiling the
# tests with gcc too and running them a second time in the release tree
# took CI past 30 minutes (1,904 s), and gcc still compiles every product
# source.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/scripts/install_deps.sh
# Everything but the tests, which only the sanitized tree compiles.
deploy/scripts/build.sh passclear-server passclear-restore passctl \
  passclear-scanner passclear_python_stubs pass_store_benchmark \
  passclear-empty-server passclear-load issuance_benchmark \
  clearing_benchmark metrics_benchmark passclear-dataset

echo "== format check (clang-format, Google style)"
git ls-files -- '*.cc' '*.h' | xargs clang-format --dry-run -Werror

echo "== benchmarks, once each at a tiny size (they must not rot)"
deploy/scripts/bench_smoke.sh

echo "== every test, under AddressSanitizer + UndefinedBehaviorSanitizer"
deploy/scripts/sanitize.sh

echo "== fuzzing (libFuzzer, ASan + UBSan, 20 s per target)"
deploy/scripts/fuzz.sh 20
