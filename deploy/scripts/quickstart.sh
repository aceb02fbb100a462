#!/usr/bin/env bash
# Installs what is missing, builds, and starts passclear-server on
# 127.0.0.1:50051 with its store in ./passclear-data. A new store gets the
# demo data: 123 booklets of 10 passes and venue 1 (codes in
# passclear-data/demo-codes.txt); the admin token is in
# passclear-data/admin-token. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/scripts/install_deps.sh
deploy/scripts/build.sh passclear-server passctl

cat <<'HELP'

passclear-server is starting; at its first start it writes its admin token
to passclear-data/admin-token. In another terminal, enrol terminal desk-1 of
venue 1, activate it, and redeem the first demo pass with its token:

  export PASSCLEAR_TOKEN_FILE=passclear-data/admin-token
  activation=$(./build/clients/passctl enroll-terminal desk-1 1 | sed -n 's/^activation code: //p')
  ./build/clients/passctl activate-terminal "$activation" --save_token=desk-1.token
  code=$(head -1 passclear-data/demo-codes.txt)
  ./build/clients/passctl --token_file=desk-1.token redeem "$code" --venue=1 --terminal=desk-1
  ./build/clients/passctl --token_file=desk-1.token check "$code" --venue=1
  ./build/clients/passctl usage --programme=1

HELP
exec ./build/server/passclear-server --data_dir=passclear-data \
  --listen=127.0.0.1:50051 "$@"
