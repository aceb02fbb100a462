#!/usr/bin/env bash
# Measures, in one run on this machine, redemptions per second through the
# real passclear-server (durable: every answer waits for the WAL fsync) for
# unary Redeem, RedeemBatch and RedeemStream, next to passclear-empty-server
# (the same gRPC service with empty handlers: the ceiling gRPC allows here).
# For streams, "items/call" is the number of requests in flight per stream.
#
# Usage: bench/compare_redeem.sh [seconds per run, default 10]
# Needs a build (deploy/scripts/build.sh). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
build=build
work=$(mktemp -d /tmp/passclear-compare-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_file() {  # file
  for _ in $(seq 1 300); do [[ -s "$1" ]] && return 0; sleep 0.1; done
  echo "server did not start ($1 missing)" >&2
  exit 1
}

load() {  # label target extra-flags...
  local label=$1 target=$2
  shift 2
  "$build/bench/passclear-load" --label="$label" --target="$target" \
    --duration="${seconds}s" "$@" | tail -1
}

echo "| run | mode | clients | items/call | offered calls/s | calls/s | redeemed/s | errors | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"

"$build/bench/passclear-empty-server" --listen=127.0.0.1:50071 &
pids+=($!)
sleep 1
load "empty gRPC handler" 127.0.0.1:50071 --setup=false --clients=32
load "empty gRPC handler" 127.0.0.1:50071 --setup=false --clients=8 \
  --mode=batch --batch_size=100
kill "${pids[0]}"

"$build/server/passclear-server" --data_dir="$work/data" \
  --listen=127.0.0.1:0 --port_file="$work/port" --demo_data=false \
  --metrics_listen=127.0.0.1:0 --terminal_rate=0 \
  2>"$work/server.log" &
pids+=($!)
wait_for_file "$work/port"
port=$(cat "$work/port")
# Written by the server at its first start, with the bootstrap admin's
# token: the load sets up with it and enrols its terminals.
token="$work/data/admin-token"
wait_for_file "$token"
load "passclear (durable)" "127.0.0.1:$port" --admin_token_file="$token" \
  --clients=32 --passes=600000
load "passclear (durable)" "127.0.0.1:$port" --admin_token_file="$token" \
  --clients=8 --mode=batch --batch_size=100 --passes=1500000
load "passclear (durable)" "127.0.0.1:$port" --admin_token_file="$token" \
  --clients=32 --mode=stream --batch_size=1 --passes=600000
load "passclear (durable)" "127.0.0.1:$port" --admin_token_file="$token" \
  --clients=8 --mode=stream --batch_size=32 --passes=600000
