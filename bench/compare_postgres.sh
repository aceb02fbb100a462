#!/usr/bin/env bash
# The alternative a team would otherwise build, measured beside passclear in
# one run on this machine: the same durable redemption (check the pass, its
# programme and the venue, mark it redeemed, append the claim line, keep the
# answer for retries, commit with synchronous_commit on) as one PL/pgSQL
# call per transaction on PostgreSQL 15 (Debian's), driven by pgbench, next
# to passclear's Redeem and RedeemBatch over gRPC with the same number of
# clients and the same number of passes. PostgreSQL runs from a temporary
# data directory on a loopback port and is stopped afterwards.
#
# Usage: bench/compare_postgres.sh [seconds per run, default 10]
#                                  [passes, default 200000] [clients, 32]
# Needs a build (deploy/scripts/build.sh) and PostgreSQL
# (deploy/scripts/install_deps.sh installs it). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
passes="${2:-200000}"
clients="${3:-32}"
build=build
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/passclear-postgres-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop \
    >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_file() {  # file
  for _ in $(seq 1 300); do [[ -s "$1" ]] && return 0; sleep 0.1; done
  echo "$1 did not appear" >&2
  exit 1
}

# PostgreSQL refuses to run as root: its files belong to the postgres user.
mkdir "$work/pg"
chown postgres: "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres \
  >/dev/null
pg_port=$(free_port)
# Durable as passclear is: fsync and synchronous commit on (the defaults),
# with a buffer pool that holds the whole data set.
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg \
      -c shared_buffers=1GB -c max_connections=200 -c fsync=on \
      -c synchronous_commit=on" start >/dev/null
psql=(psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1)
"${psql[@]}" -v passes="$passes" -f bench/postgres/schema.sql >/dev/null
pg_tps=$(pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -n -M prepared \
  -c "$clients" -j 2 -T "$seconds" -f bench/postgres/redeem.pgbench postgres \
  2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
redeemed=$("${psql[@]}" -t -A -c "SELECT count(*) FROM passes WHERE state = 2")
lines=$("${psql[@]}" -t -A -c "SELECT count(*) FROM claim_lines")
if [[ "$redeemed" != "$lines" || "$redeemed" == 0 ]]; then
  echo "PostgreSQL run is inconsistent: $redeemed redeemed, $lines lines" >&2
  exit 1
fi
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null

"$build/server/passclear-server" --data_dir="$work/data" \
  --listen=127.0.0.1:0 --port_file="$work/port" --demo_data=false \
  --metrics_listen=127.0.0.1:0 --terminal_rate=0 2>"$work/server.log" &
pids+=($!)
wait_for_file "$work/port"
target="127.0.0.1:$(cat "$work/port")"
token="$work/data/admin-token"
wait_for_file "$token"
load() {  # extra flags; prints redeemed per second
  "$build/bench/passclear-load" --target="$target" --admin_token_file="$token" \
    --duration="${seconds}s" "$@" | head -1 |
    python3 -c 'import json, sys; print(round(json.load(sys.stdin)["redeemed_per_second"]))'
}
unary=$(load --clients="$clients" --mode=unary --passes="$passes")
# Batches go through passes fast: a store 10 times larger, so that the run
# never runs out (a larger store only makes passclear's task harder).
batch=$(load --clients=8 --mode=batch --batch_size=1000 \
  --passes=$((passes * 10)))

python3 - "$pg_tps" "$unary" "$batch" "$clients" "$passes" <<'PY'
import sys
pg, unary, batch = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
clients, passes = sys.argv[4], int(sys.argv[5])
print(f"{passes:,} passes ({passes * 10:,} for RedeemBatch), durable commits, "
      f"{clients} clients (RedeemBatch: 8)")
print()
print("| system | call | redeemed/s | x PostgreSQL |")
print("|---|---|---|---|")
print(f"| PostgreSQL 15, PL/pgSQL via pgbench | one per transaction | {pg:,.0f} | 1.00 |")
print(f"| passclear | Redeem | {unary:,.0f} | {unary / pg:.2f} |")
print(f"| passclear | RedeemBatch of 1,000 | {batch:,.0f} | {batch / pg:.2f} |")
PY
