#!/usr/bin/env bash
# Installs what passclear needs to build and test, from Debian 12 packages.
# Runs apt-get only when something is missing; needs root for that.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config clang-format clang libclang-rt-14-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus-cpp-dev
  libxml2-utils openssl prometheus  # tests: SEPA schema, statements, metrics
  postgresql python3  # bench/suite.py: the alternative, measured
  redis-server redis-tools  # bench/suite.py: the other alternative, measured
  gnuplot-nox  # bench/run_suite.sh: the report's plots
  python3-grpcio  # clients/python/: the venue client example and its test
  python3-yaml  # tests/deploy/manifests_test.py: the deployment manifests
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
