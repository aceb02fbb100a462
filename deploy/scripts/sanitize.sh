#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the unit and integration tests there: a memory error,
# leak or undefined behaviour fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPASSCLEAR_ASAN=ON >/dev/null
cmake --build build-asan --target passclear_unit_tests \
  passclear_integration_tests passclear_crash_tests passclear-server \
  passclear-restore passctl passclear_python_stubs  # the CLI and Python tests
cd build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j2 --output-on-failure --timeout 600
