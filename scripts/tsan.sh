#!/usr/bin/env bash
# The daemon's threads under ThreadSanitizer: builds build-tsan (PERSON_IMPORT_TSAN=ON: the
# program and the tests of the service, the watcher and the SFTP server), then runs those unit
# tests and the integration tests that drive the daemon and its SFTP server (SQLite). Any
# report stops the process that made it (halt_on_error) and fails the run.
# Takes about 9 minutes to build and 8 to run on two cores: not yet part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD_DIR:-build-tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERSON_IMPORT_TESTS=ON \
  -DPERSON_IMPORT_TSAN=ON > /dev/null
cmake --build "$build" -j "$(nproc)" --target person-import daemon_service_test watching_test \
  sftp_test integration_test
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
for test in daemon_service_test watching_test sftp_test; do
  echo "== $test under ThreadSanitizer"
  "$build/tests/$test"
done
echo "== the daemon and SFTP integration tests under ThreadSanitizer"
"$build/tests/integration_test" "daemon:*,sftp:*"
