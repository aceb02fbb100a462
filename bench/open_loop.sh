#!/usr/bin/env bash
# Latency under a fixed arrival rate (open loop): durable unary Redeem on a
# fresh passclear-server, calls due at --rate per second whatever the
# answers; latencies count from when each call was due.
#
# Usage: bench/open_loop.sh [calls per second, default 5000]
#                           [seconds, default 30] [clients, default 64]
# Needs a build (deploy/scripts/build.sh). Prints a Markdown table row.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-5000}"
seconds="${2:-30}"
clients="${3:-64}"
build=build
work=$(mktemp -d /tmp/passclear-open-loop-XXXXXX)
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/server/passclear-server" --data_dir="$work/data" \
  --listen=127.0.0.1:0 --port_file="$work/port" --demo_data=false \
  --metrics_listen=127.0.0.1:0 --terminal_rate=0 2>"$work/server.log" &
server=$!
for _ in $(seq 1 300); do [[ -s "$work/data/admin-token" ]] && break; sleep 0.1; done
for _ in $(seq 1 300); do [[ -s "$work/port" ]] && break; sleep 0.1; done
echo "| run | mode | clients | items/call | offered calls/s | calls/s | redeemed/s | errors | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
"$build/bench/passclear-load" --label="passclear (durable)" \
  --target="127.0.0.1:$(cat "$work/port")" \
  --admin_token_file="$work/data/admin-token" --clients="$clients" \
  --rate="$rate" --duration="${seconds}s" \
  --passes=$(( rate * seconds + 10000 )) | tail -1
