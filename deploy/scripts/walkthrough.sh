#!/usr/bin/env bash
# A whole Pass Numérique cycle with passctl, top to bottom: a sponsor's
# programme, its booklets, a distributor, a venue and its terminal, two
# scans and a refused third, the monthly clearing, the SEPA transfer, the
# mandatary's acknowledgement, the audit and a backup. README "A whole
# cycle with passctl" walks through the same commands;
# tests/cli/walkthrough_test.sh runs this script against a real server in CI.
#
# Against the quick-start server (deploy/scripts/quickstart.sh), from the
# repository root:
#
#   bash deploy/scripts/walkthrough.sh
#
# Settings (environment):
#   PASSCTL               the passctl binary (./build/clients/passctl)
#   PASSCLEAR_SERVER      the server's gRPC address (127.0.0.1:50051)
#   PASSCLEAR_TOKEN_FILE  an ADMIN's token (passclear-data/admin-token)
#   WALKTHROUGH_DIR       where tokens, codes and the transfer file are
#                         written (passclear-walkthrough)
#
# Each run creates its own programme, venue, terminal and mandatary account,
# so it can run again on the same store.
set -euo pipefail

PASSCTL=${PASSCTL:-./build/clients/passctl}
PASSCLEAR_SERVER=${PASSCLEAR_SERVER:-127.0.0.1:50051}
export PASSCLEAR_TOKEN_FILE=${PASSCLEAR_TOKEN_FILE:-passclear-data/admin-token}
WALKTHROUGH_DIR=${WALKTHROUGH_DIR:-passclear-walkthrough}
mkdir -p "$WALKTHROUGH_DIR"

# Every call goes to the same server. Without --token_file, passctl presents
# the token in $PASSCLEAR_TOKEN_FILE: the administrator's.
passctl() { "$PASSCTL" --server="$PASSCLEAR_SERVER" "$@"; }

# Reads one field of a --json answer on stdin. (Protobuf's JSON mapping
# writes 64-bit numbers as strings: "programme_id": "2".)
json_field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

step() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------------------
# The sponsor's side (ADMIN token).

step "1. The sponsor, a community of communes, creates its programme"
# 10 EUR passes, valid from 1 January of this year to 31 December of next
# year (accepted 31 more days: the grace period).
year=$(date -u +%Y)
programme=$(passctl --json create-programme \
  --sponsor="Communauté de communes du Val" --name="Pass Numérique $year" \
  --face_value_cents=1000 --territory=FR-79 \
  --valid_from="$year-01-01T00:00:00Z" \
  --valid_until="$((year + 1))-12-31T23:59:59Z" | json_field programme_id)
echo "programme $programme created"

step "2. It issues 2 booklets of 10 passes and exports their codes for the printer"
first_booklet=$(passctl --json issue-booklets --programme="$programme" \
  --booklets=2 --booklet_size=10 | json_field first_booklet_id)
passctl export-codes --booklet="$first_booklet" --booklets=2 \
  >"$WALKTHROUGH_DIR/codes.csv"
head -3 "$WALKTHROUGH_DIR/codes.csv"
echo "... ($(($(wc -l <"$WALKTHROUGH_DIR/codes.csv") - 1)) codes in $WALKTHROUGH_DIR/codes.csv)"
# The first two passes of the first booklet, as a beneficiary will hand them.
code1=$(sed -n 2p "$WALKTHROUGH_DIR/codes.csv" | cut -d, -f3)
code2=$(sed -n 3p "$WALKTHROUGH_DIR/codes.csv" | cut -d, -f3)

step "3. It hands the first booklet to a distributor, a commune's town hall"
passctl allocate --booklet="$first_booklet" \
  --distributor="Mairie de Saint-Martin" --distributor_reference=79001

step "4. It registers a digital mediation venue, labelled at once"
# The venue must be payable: SIRET (Luhn check), IBAN (ISO 13616 check
# digits) and BIC of the account its transfers go to. An establishment is
# registered once: on a second run the venue of this SIRET is found again.
siret=12345678900015
venue=$(passctl --json list-venues | python3 -c '
import json, sys
venues = json.load(sys.stdin).get("venues", [])
print(next((v["venue_id"] for v in venues if v["siret"] == sys.argv[1]), ""))
' "$siret")
if [[ -z $venue ]]; then
  venue=$(passctl --json register-venue --name="Espace numérique du Val" \
    --programmes="$programme" --address="2 place de la Mairie, 79000 Niort" \
    --siret="$siret" --iban="FR76 3000 3012 3400 0500 1234 509" \
    --bic=SOGEFRPPXXX | json_field venue_id)
  echo "venue $venue registered"
else
  # It accepts this run's programme too.
  programmes=$(passctl --json get-venue --venue="$venue" | python3 -c '
import json, sys
print(",".join(json.load(sys.stdin)["accepted_programme_ids"] + [sys.argv[1]]))
' "$programme")
  passctl update-venue --venue="$venue" --programmes="$programmes" \
    --reason="accepts programme $programme" >/dev/null
  echo "venue $venue (SIRET $siret) was registered before; it now accepts programme $programme"
fi

step "5. It enrols the venue's scanning terminal; the terminal activates itself"
# Terminal ids are unique across the scheme: this one names its venue.
terminal="venue-$venue-desk-1"
activation=$(passctl --json enroll-terminal "$terminal" "$venue" |
  json_field activation_code)
echo "activation code: $activation (one-time, valid 72 hours)"
# On the terminal: the code is exchanged for its token (no token needed).
passctl activate-terminal "$activation" \
  --save_token="$WALKTHROUGH_DIR/$terminal.token"
terminal_token="$WALKTHROUGH_DIR/$terminal.token"

# ---------------------------------------------------------------------------
# The venue's side (TERMINAL token).

step "6. A beneficiary spends two passes at the venue: the terminal redeems them"
passctl --token_file="$terminal_token" redeem "$code1" \
  --venue="$venue" --terminal="$terminal"
passctl --token_file="$terminal_token" redeem "$code2" \
  --venue="$venue" --terminal="$terminal"

step "7. The first pass is scanned again: refused, ALREADY_REDEEMED"
# Exit codes: 0 redeemed, 1 refused (a normal answer: the message says
# why), 2 usage error, 3 the call failed (retry with the same --request_id).
status=0
passctl --token_file="$terminal_token" redeem "$code1" \
  --venue="$venue" --terminal="$terminal" || status=$?
case $status in
  1) echo "exit code 1: refused, as expected" ;;
  *) echo "expected exit code 1 (refused), got $status" >&2; exit 1 ;;
esac

step "8. The terminal checks a pass without redeeming it"
passctl --token_file="$terminal_token" check "$code1" --venue="$venue"

step "9. The sponsor's usage report"
passctl usage --programme="$programme"

# ---------------------------------------------------------------------------
# Clearing: the operator closes the cycle, the mandatary pays.

step "10. The operator creates the payment mandatary's account"
# Names are unique: this one names the programme, so that the script can
# run again on the same store.
mandatary_token="$WALKTHROUGH_DIR/mandatary.token"
passctl create-account "payments-programme-$programme" mandatary \
  --save_token="$mandatary_token"

step "11. The operator closes the clearing cycle (monthly, done now by hand)"
# Where the log of closed batches ends now: the batches this close adds
# come after it. The mandatary keeps such a cursor between runs.
cursor=$(passctl --json list-batches --page_size=1 | json_field last_cursor)
passctl close-cycle

step "12. The mandatary lists the batches closed since its cursor"
passctl --token_file="$mandatary_token" list-batches --after="$cursor"
# The venue's batch: a redeemed pass's check names the batch holding it.
batch=$(passctl --json check "$code1" | json_field batch_id)
total_cents=$(passctl --token_file="$mandatary_token" --json batch \
  --batch_id="$batch" | json_field total_cents)
echo "venue $venue is owed batch $batch: $total_cents cents"

step "13. The mandatary exports the SEPA credit transfer (pain.001.001.03)"
passctl --token_file="$mandatary_token" export-transfers \
  --batch_ids="$batch" --output="$WALKTHROUGH_DIR/transfers.xml"
# The bank takes this file; xmllint --schema
# deploy/schemas/pain.001.001.03.xsd validates it.

step "14. Once the bank has paid, the mandatary acknowledges the batch"
# With the payment reference and the amount paid: it must be the batch's
# total. Only the MANDATARY may acknowledge (an ADMIN is refused).
passctl --token_file="$mandatary_token" acknowledge --batch_id="$batch" \
  --reference="VIR-$year-$batch" --amount_cents="$total_cents"
passctl check "$code1" | grep '^state:'

step "15. The operator reconciles the whole store: exit 0, no breach"
passctl reconcile

step "16. The operator backs the store up while it keeps serving"
passctl backup

echo
echo "Done: programme $programme, venue $venue, batch $batch paid;" \
  "files in $WALKTHROUGH_DIR/"
