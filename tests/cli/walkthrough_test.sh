#!/usr/bin/env bash
# Runs the README's walkthrough (deploy/scripts/walkthrough.sh) against the
# real passclear-server, on a free loopback port with a new store in a
# temporary directory, then checks its outcome with calls of its own: the
# SEPA file validates against the ISO 20022 schema and pays the batch, the
# batch is PAID for its total, both passes are PAID, the usage report and
# the reconciliation agree. A second run on the same store must pass too.
#
# Usage: walkthrough_test.sh SERVER_BINARY PASSCTL_BINARY SOURCE_DIR
# (ctest: cli_walkthrough, registered in tests/CMakeLists.txt).
set -euo pipefail

if (($# != 3)); then
  echo "usage: $0 SERVER_BINARY PASSCTL_BINARY SOURCE_DIR" >&2
  exit 2
fi
server_binary=$1
passctl_binary=$2
source_dir=$3
schema=$source_dir/deploy/schemas/pain.001.001.03.xsd

work=$(mktemp -d "${TMPDIR:-/tmp}/passclear-walkthrough-XXXXXX")
server_pid=

# Stops the server (SIGTERM, then SIGKILL after 10 s) and removes the
# temporary directory, on every way out.
cleanup() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log (last 20 lines)" >&2
  tail -20 "$work/server.log" >&2 || true
  exit 1
}

# ---------------------------------------------------------------------------
# Start the server and wait until it answers.

"$server_binary" --data_dir="$work/data" --listen=127.0.0.1:0 \
  --port_file="$work/port" --metrics_listen=127.0.0.1:0 \
  --demo_data=false >"$work/server.log" 2>&1 &
server_pid=$!

admin_token=$work/data/admin-token
ready=false
deadline=$((SECONDS + 60))  # a sanitizer build starts slowly
while ((SECONDS < deadline)); do
  kill -0 "$server_pid" 2>/dev/null || fail "passclear-server exited at start"
  if [[ -s $work/port ]] &&
    "$passctl_binary" --server="127.0.0.1:$(cat "$work/port")" \
      --token_file="$admin_token" --timeout=2s whoami >/dev/null 2>&1; then
    ready=true
    break
  fi
  sleep 0.1
done
$ready || fail "passclear-server did not answer within 60 s"
server=127.0.0.1:$(cat "$work/port")
echo "passclear-server ready on $server"

passctl() {
  "$passctl_binary" --server="$server" --token_file="$admin_token" "$@"
}
# json_get PATH...: a field of the JSON on stdin; "batches.0.venue_id".
json_get() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(json.dumps(value) if isinstance(value, (list, dict)) else value)
' "$1"
}
expect_eq() {  # what, expected, actual
  [[ $3 == "$2" ]] || fail "$1: expected '$2', got '$3'"
}

run_walkthrough() {  # run number
  local dir=$work/walkthrough-$1
  echo "=== walkthrough run $1"
  if ! PASSCTL=$passctl_binary PASSCLEAR_SERVER=$server \
    PASSCLEAR_TOKEN_FILE=$admin_token WALKTHROUGH_DIR=$dir \
    bash "$source_dir/deploy/scripts/walkthrough.sh" >"$dir.out" 2>&1; then
    cat "$dir.out"
    fail "deploy/scripts/walkthrough.sh failed (run $1)"
  fi
  cat "$dir.out"
}

# ---------------------------------------------------------------------------
# First run, on a new store: every id is known.

run_walkthrough 1
dir=$work/walkthrough-1
grep -q '^REDEEM_RESULT_ALREADY_REDEEMED: ' "$dir.out" ||
  fail "the second scan was not refused as ALREADY_REDEEMED"

# The codes the walkthrough redeemed: the first two of codes.csv.
code1=$(sed -n 2p "$dir/codes.csv" | cut -d, -f3)
code2=$(sed -n 3p "$dir/codes.csv" | cut -d, -f3)
unused=$(sed -n 4p "$dir/codes.csv" | cut -d, -f3)
expect_eq "codes exported" 21 "$(wc -l <"$dir/codes.csv")"

# Both passes paid, in the same batch; the third still with the commune.
check1=$(passctl --json check "$code1")
expect_eq "pass 1 state" PASS_STATE_PAID "$(json_get state <<<"$check1")"
batch=$(json_get batch_id <<<"$check1")
[[ $batch != 0 ]] || fail "pass 1 has no batch"
check2=$(passctl --json check "$code2")
expect_eq "pass 2 state" PASS_STATE_PAID "$(json_get state <<<"$check2")"
expect_eq "pass 2 batch" "$batch" "$(json_get batch_id <<<"$check2")"
check3=$(passctl --json check "$unused")
expect_eq "pass 3 state" PASS_STATE_ALLOCATED "$(json_get state <<<"$check3")"
expect_eq "pass 3 distributor" "Mairie de Saint-Martin" \
  "$(json_get distributor_name <<<"$check3")"

# The batch: paid its total, with the mandatary's reference.
batch_json=$(passctl --json batch --batch_id="$batch")
expect_eq "batch status" BATCH_STATUS_PAID "$(json_get status <<<"$batch_json")"
expect_eq "batch lines" 2 "$(json_get line_count <<<"$batch_json")"
expect_eq "batch total" 2000 "$(json_get total_cents <<<"$batch_json")"
expect_eq "amount paid" 2000 "$(json_get amount_paid_cents <<<"$batch_json")"
[[ $(json_get payment_reference <<<"$batch_json") == VIR-* ]] ||
  fail "batch $batch has no payment reference"
venue=$(json_get venue_id <<<"$batch_json")

# The mandatary's token is a MANDATARY's (it acknowledged, not the admin).
expect_eq "mandatary role" ROLE_MANDATARY "$("$passctl_binary" \
  --server="$server" --token_file="$dir/mandatary.token" --json whoami |
  json_get role)"

# The SEPA file: valid against the schema, one transfer paying the batch to
# the venue's IBAN.
command -v xmllint >/dev/null || fail "xmllint is missing (libxml2-utils)"
[[ -f $schema ]] || fail "no SEPA schema at $schema"
xmllint --noout --schema "$schema" "$dir/transfers.xml" ||
  fail "transfers.xml does not validate against pain.001.001.03"
venue_iban=FR7630003012340005001234509
python3 - "$dir/transfers.xml" "$batch" "$venue_iban" <<'PY' ||
import sys
import xml.etree.ElementTree as tree
ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
path, batch, iban = sys.argv[1:]
transfers = tree.parse(path).getroot().findall(".//p:CdtTrfTxInf", ns)
assert len(transfers) == 1, f"{len(transfers)} transfers"
t = transfers[0]
# One end-to-end id per payment attempt: this is the first.
assert t.findtext("p:PmtId/p:EndToEndId", namespaces=ns) == f"B{batch}-1"
assert t.findtext("p:Amt/p:InstdAmt", namespaces=ns) == "20.00"
assert t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == iban
PY
  fail "transfers.xml does not pay batch $batch 20.00 EUR to $venue_iban"

# The sponsor's report agrees with the records.
usage=$(passctl --json usage --programme=1)
expect_eq "issued" 20 "$(json_get issued <<<"$usage")"
expect_eq "handed out" 10 "$(json_get allocated <<<"$usage")"
expect_eq "redeemed" 2 "$(json_get redeemed <<<"$usage")"
expect_eq "claimed" 2 "$(json_get claimed <<<"$usage")"
expect_eq "paid" 2 "$(json_get paid <<<"$usage")"

# The audit: no breach, exit code 0.
reconcile=$(passctl --json reconcile) || fail "reconcile exited $?"
expect_eq "breaches" "[]" "$(json_get breaches <<<"$reconcile")"
expect_eq "batches checked" 1 "$(json_get batches_checked <<<"$reconcile")"

# The backup the walkthrough made.
expect_eq "backups" 1 "$(passctl --json backups | json_get backups |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')"
expect_eq "venue" 1 "$venue"

# ---------------------------------------------------------------------------
# Second run on the same store, as a newcomer running it twice would.

run_walkthrough 2
reconcile=$(passctl --json reconcile) || fail "reconcile exited $?"
expect_eq "breaches after run 2" "[]" "$(json_get breaches <<<"$reconcile")"
expect_eq "batches checked after run 2" 2 \
  "$(json_get batches_checked <<<"$reconcile")"

# Mistakes on the command line are usage errors (2), never "refused" (1).
for mistake in "--bogus whoami" "--venue=abc whoami" "no-such-command"; do
  status=0
  # shellcheck disable=SC2086  # each mistake is several words
  passctl $mistake >/dev/null 2>&1 || status=$?
  expect_eq "exit code of passctl $mistake" 2 "$status"
done

echo "PASS: the walkthrough ran twice against the real server"
