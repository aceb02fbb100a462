#!/usr/bin/env bash
# Does passclear hold a national store? Measures, in one run, durable unary
# Redeem throughput (closed loop) on a store of 1 million passes and on one
# of N (default 100 million); then, for the large store: the server's
# resident memory after the run, and how long it takes, after a clean stop,
# to open the store again and answer a call.
#
# Usage: bench/scale.sh [large store passes, default 100000000]
#                       [seconds per run, default 20] [clients, default 32]
# Needs a build and about 10 GB of free disk per 100 million passes.
# Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
large="${1:-100000000}"
seconds="${2:-20}"
clients="${3:-32}"
build=build
work=$(mktemp -d /tmp/passclear-scale-XXXXXX)
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_file() {  # file
  for _ in $(seq 1 3000); do [[ -s "$1" ]] && return 0; sleep 0.01; done
  echo "$1 did not appear" >&2
  exit 1
}

start_server() {  # data dir
  rm -f "$work/port"
  "$build/server/passclear-server" --data_dir="$1" --listen=127.0.0.1:0 \
    --port_file="$work/port" --demo_data=false --metrics_listen=127.0.0.1:0 \
    --terminal_rate=0 >>"$work/server.log" 2>&1 &
  server=$!
  wait_for_file "$work/port"
}

stop_server() {
  kill -TERM "$server"
  wait "$server" || true
  server=""
}

# Redeemed per second with `background` passes in the store besides the
# 1 million the run redeems from, on the running server.
measure() {  # data dir, background passes
  "$build/bench/passclear-load" --target="127.0.0.1:$(cat "$work/port")" \
    --admin_token_file="$1/admin-token" --clients="$clients" \
    --duration="${seconds}s" --passes=1000000 --background_passes="$2" \
    >"$work/load.txt"
  head -1 "$work/load.txt" |
    python3 -c 'import json, sys; print(round(json.load(sys.stdin)["redeemed_per_second"]))'
}

start_server "$work/small"
small=$(measure "$work/small" 0)
stop_server
start_server "$work/large"
large_rate=$(measure "$work/large" $((large - 1000000)))
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
stop_server
disk=$(du -sh "$work/large" | cut -f1)

# Reopen after the clean stop: time until a call is answered.
began=$(date +%s.%N)
start_server "$work/large"
"$build/clients/passctl" --server="127.0.0.1:$(cat "$work/port")" \
  --token_file="$work/large/admin-token" whoami >/dev/null
ended=$(date +%s.%N)
stop_server

python3 - "$small" "$large_rate" "$rss_kib" "$began" "$ended" "$large" \
  "$disk" "$clients" "$seconds" <<'PY'
import sys
small, large_rate, rss_kib = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
began, ended, large, disk = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
clients, seconds = sys.argv[8], sys.argv[9]
print(f"Durable unary Redeem, closed loop, {clients} clients, {seconds} s per run")
print()
print("| measure | value | bar |")
print("|---|---|---|")
print(f"| redeemed/s, store of 1 million passes | {small:,.0f} | |")
print(f"| redeemed/s, store of {large:,} passes | {large_rate:,.0f} | |")
print(f"| ratio large / small | {large_rate / small:.2f} | at least 0.80 |")
print(f"| server resident memory, large store | {rss_kib / 1048576:.2f} GiB | under 4 GiB |")
print(f"| open and answer after a clean stop | {ended - began:.2f} s | under 10 s |")
print(f"| large store on disk | {disk} | |")
PY
