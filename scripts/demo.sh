#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, then runs the product on the
# embedded defaults (SQLite file demo.db, nothing else to install or start):
#  1. the daemon with its built-in SFTP server: a drop root under demo/, a client key made with
#     ssh-keygen and given to the company, the example file uploaded with `sftp` as a client
#     would, and the result manifest fetched back with `sftp` from the outbox;
#  2. the same import from the command line, and the persons it left.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
# Only the program, in the same build tree as the tests (its test configuration is kept).
BUILD_TARGET=person-import bash scripts/build.sh
binary=build/person-import

rm -rf demo demo.db demo.db-wal demo.db-shm
mkdir -p demo/drops demo/client
port=${DEMO_SFTP_PORT:-2222}
echo "== the daemon, with SFTP on 127.0.0.1:$port"
set -x
ssh-keygen -q -t ed25519 -N '' -C demo-client -f demo/client/id_ed25519
"$binary" --db demo.db --company demo fields load docs/examples/fields.json
"$binary" --db demo.db companies add demo --drop-root demo/drops \
  --authorized-key demo/client/id_ed25519.pub
"$binary" --db demo.db companies keys demo
{ set +x; } 2>/dev/null
"$binary" --db demo.db daemon --drop-root demo/drops --sftp-listen "127.0.0.1:$port" \
  2>demo/daemon.log &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do  # until the SFTP server listens
  grep -q "sftp: listening" demo/daemon.log && break
  sleep 0.1
done
# A client's options: its key, no prompts, and (for the demo only) no known_hosts entry.
sftp_client=(sftp -P "$port" -i demo/client/id_ed25519 -o BatchMode=yes -o IdentitiesOnly=yes
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
printf 'cd inbox\nput docs/examples/customers.persons\nls -l\n' >demo/client/upload.batch
set -x
"${sftp_client[@]}" -b demo/client/upload.batch demo@127.0.0.1
{ set +x; } 2>/dev/null
printf 'ls -l outbox\nget outbox/customers.persons.result.json demo/client/\n' \
  >demo/client/fetch.batch
for _ in $(seq 1 100); do  # the upload settles (2 s), then it is imported
  echo 'ls outbox/customers.persons.result.json' >demo/client/probe.batch
  "${sftp_client[@]}" -b demo/client/probe.batch demo@127.0.0.1 >/dev/null 2>&1 && break
  sleep 0.2
done
set -x
"${sftp_client[@]}" -b demo/client/fetch.batch demo@127.0.0.1
cat demo/client/customers.persons.result.json
{ set +x; } 2>/dev/null
kill -TERM "$daemon"
wait "$daemon" || true
trap - EXIT
cat demo/daemon.log
set -x
ls demo/drops/demo/outbox/
cat demo/drops/demo/outbox/customers.persons.failed.persons
{ set +x; } 2>/dev/null

echo "== the command line"
set -x
"$binary" --db demo.db fields load docs/examples/fields.json
"$binary" --db demo.db import docs/examples/customers.persons --report demo/report.json \
  --errors demo/errors.csv --failed demo/failed.persons || status=$?
{ set +x; } 2>/dev/null
echo "import exit status: ${status:-0} (3 = completed with row errors, as this example has)"
set -x
"$binary" --db demo.db persons export
"$binary" --db demo.db jobs list
"$binary" --db demo.db --company demo jobs list
