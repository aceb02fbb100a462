#!/usr/bin/env bash
# Builds the tests with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-sanitize/ (see configure_sanitized.sh) and runs the unit and
# integration tests there: a memory error, leak or undefined behaviour fails
# the run.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/scripts/configure_sanitized.sh
cmake --build build-sanitize --target passclear_unit_tests \
  passclear_integration_tests passclear_crash_tests passclear-server \
  passclear-restore passctl passclear_python_stubs  # the CLI and Python tests
cd build-sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j2 --output-on-failure --timeout 600
