#!/usr/bin/env bash
# Installs what is missing, builds, and starts passclear-server on
# 127.0.0.1:50051 with its store in ./passclear-data. A new store gets the
# demo data: 123 booklets of 10 passes and venue 1 (codes in
# passclear-data/demo-codes.txt). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/scripts/install_deps.sh
deploy/scripts/build.sh passclear-server passctl

cat <<'HELP'

passclear-server is starting. In another terminal, redeem the first demo pass:

  code=$(head -1 passclear-data/demo-codes.txt)
  ./build/clients/passctl redeem "$code" --venue=1 --terminal=desk-1
  ./build/clients/passctl check "$code"

HELP
exec ./build/server/passclear-server --data_dir=passclear-data \
  --listen=127.0.0.1:50051 "$@"
