#!/usr/bin/env bash
# The daemon's threads under ThreadSanitizer: builds build-tsan (PERSON_IMPORT_TSAN=ON, at -O1
# with line tables and assertions on: the program and the tests of the service and its
# scheduler, the watcher and the SFTP server), then runs those unit tests and the integration
# tests that drive the daemon and its SFTP server (SQLite), TSAN_JOBS at a time (default: the
# cores). Any report stops the process that made it (halt_on_error) and fails its test.
# Two daemon tests are left to the other passes: their subject is the process killed from outside
# (kill -9) or its database file damaged under it, not its threads, and under TSan they took 113
# and 105 s of the step's 262; the same threads run in the other large-import tests kept here
# (SIGTERM at a batch, shutdown_timeout during a long batch).
# .ci/run runs it after the AddressSanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD_DIR:-build-tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DPERSON_IMPORT_TESTS=ON -DPERSON_IMPORT_TSAN=ON > "$build.cmake.log" 2>&1 \
  || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j "$(nproc)" --target person-import daemon_service_test watching_test \
  sftp_test integration_test
echo "== the service, watcher and SFTP unit tests and the daemon and SFTP integration tests under ThreadSanitizer"
(cd "$build" && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --output-on-failure --no-tests=error -j "${TSAN_JOBS:-$(nproc)}" \
    -R '^(daemon_service|watching|sftp|integration:(daemon|sftp)):' \
    -E '^integration:daemon: (kill -9 during a large import|regression: the database vanishing)')
