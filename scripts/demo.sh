#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, then runs the product on the
# embedded defaults (SQLite file demo.db, nothing else to install or start):
#  1. the daemon: a drop root under demo/, the example file dropped into a company's inbox as a
#     client's upload would be, and the result manifests it writes to the outbox;
#  2. the same import from the command line, and the persons it left.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
bash scripts/build.sh -DPERSON_IMPORT_TESTS=OFF
binary=build/person-import

rm -rf demo demo.db demo.db-wal demo.db-shm
mkdir -p demo/drops
echo "== the daemon"
set -x
"$binary" --db demo.db --company acme fields load docs/examples/fields.json
"$binary" --db demo.db companies add acme --drop-root demo/drops
{ set +x; } 2>/dev/null
"$binary" --db demo.db daemon --drop-root demo/drops 2>demo/daemon.log &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true' EXIT
sleep 1
set -x
cp docs/examples/customers.persons demo/drops/acme/inbox/
{ set +x; } 2>/dev/null
for _ in $(seq 1 100); do  # the upload settles (2 s), then it is imported
  [ -f demo/drops/acme/outbox/customers.persons.result.json ] && break
  sleep 0.2
done
kill -TERM "$daemon"
wait "$daemon" || true
trap - EXIT
cat demo/daemon.log
set -x
ls demo/drops/acme/outbox/
cat demo/drops/acme/outbox/customers.persons.result.json
cat demo/drops/acme/outbox/customers.persons.failed.persons
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
"$binary" --db demo.db --company acme jobs list
